package io.runnel.faultsuite.latency;

import java.io.Closeable;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Added network latency without netem (not in this kernel): a userspace TCP proxy that forwards
 * each accepted connection to a target and delays the bytes in each direction by
 * {@code delayMs} plus a random {@code 0..jitterMs} drawn per chunk read ({@link DelayedPipe}:
 * never sooner than {@code delayMs}, never out of order). The latency nemesis runs one in each
 * node's network namespace and points the node's inbound connections from other hosts at it with
 * iptables (docs/reliability.md, "latency").
 *
 * <p>A half-close is passed on after the bytes before it; a reset or failure on one side closes
 * both. Closing the proxy stops accepting and closes every connection it carries.
 *
 * <p>Thread-safety: safe from any thread; an acceptor thread per route and two threads per
 * direction of each connection.
 */
public final class LatencyProxy implements Closeable {
    /**
     * Connections accepted on {@code listenPort} go to {@code target}.
     */
    public record Route(int listenPort, InetSocketAddress target) {
        public Route {
            if (listenPort < 0 || listenPort > 65_535) {
                throw new IllegalArgumentException("listen port must be 0-65535, got " + listenPort);
            }
        }

        /** {@code LISTENPORT=HOST:PORT}. */
        public static Route parse(String text) {
            int eq = text.indexOf('=');
            int colon = text.lastIndexOf(':');
            if (eq < 1 || colon < eq + 2 || colon == text.length() - 1) {
                throw new IllegalArgumentException("route must be LISTENPORT=HOST:PORT, got '" + text + "'");
            }
            return new Route(Integer.parseInt(text.substring(0, eq)),
                new InetSocketAddress(text.substring(eq + 1, colon), Integer.parseInt(text.substring(colon + 1))));
        }
    }

    private final long delayNanos;
    private final long jitterNanos;
    private final Random random;
    private final List<ServerSocket> listeners = new ArrayList<>();
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final AtomicInteger connections = new AtomicInteger();
    private final PrintStream events;
    private volatile boolean closed;

    /**
     * Binds every route's port on {@code bindAddress} and starts accepting.
     *
     * @param delayMs  the least each byte is delayed, in each direction (>= 0)
     * @param jitterMs up to this much more, drawn per chunk (>= 0)
     * @param events   gets a line per connection accepted (null: none)
     * @throws UncheckedIOException if a port cannot be bound (the ports bound so far are closed)
     */
    public LatencyProxy(InetAddress bindAddress, List<Route> routes, long delayMs, long jitterMs, Random random,
                        PrintStream events) {
        if (delayMs < 0 || jitterMs < 0) {
            throw new IllegalArgumentException("delay and jitter must be >= 0 ms, got " + delayMs + " and " + jitterMs);
        }
        if (routes.isEmpty()) {
            throw new IllegalArgumentException("a latency proxy needs at least one route");
        }
        this.delayNanos = TimeUnit.MILLISECONDS.toNanos(delayMs);
        this.jitterNanos = TimeUnit.MILLISECONDS.toNanos(jitterMs);
        this.random = random;
        this.events = events;
        try {
            for (Route r : routes) {
                ServerSocket listener = new ServerSocket();
                listener.setReuseAddress(true);
                listeners.add(listener);
                listener.bind(new InetSocketAddress(bindAddress, r.listenPort()), 128);
            }
        } catch (IOException e) {
            close();
            throw new UncheckedIOException("cannot bind the latency proxy's ports " + routes, e);
        }
        for (int i = 0; i < routes.size(); i++) {
            ServerSocket listener = listeners.get(i);
            Route route = routes.get(i);
            Thread acceptor = new Thread(() -> accept(listener, route), "latency-accept-" + listener.getLocalPort());
            acceptor.setDaemon(true);
            acceptor.start();
        }
    }

    /** The port route {@code index} listens on (the bound one when the route asked for 0). */
    public int port(int index) {
        return listeners.get(index).getLocalPort();
    }

    /** Connections accepted so far. */
    public int accepted() {
        return connections.get();
    }

    private void accept(ServerSocket listener, Route route) {
        while (!closed) {
            Socket client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                return; // closed
            }
            int n = connections.incrementAndGet();
            if (events != null) {
                events.println("connection " + n + " from " + client.getRemoteSocketAddress() + " to " + route.target());
            }
            Thread connector = new Thread(() -> connect(client, route, n), "latency-connect-" + n);
            connector.setDaemon(true);
            connector.start();
        }
    }

    private void connect(Socket client, Route route, int n) {
        Socket upstream = new Socket();
        sockets.add(client);
        sockets.add(upstream);
        try {
            client.setTcpNoDelay(true);
            upstream.setTcpNoDelay(true);
            upstream.connect(route.target(), 10_000);
            if (closed) {
                throw new IOException("proxy closed");
            }
            AtomicInteger open = new AtomicInteger(2);
            Runnable directionDone = () -> {
                if (open.decrementAndGet() == 0) {
                    closeQuietly(client);
                    closeQuietly(upstream);
                }
            };
            new DelayedPipe("latency-" + n + "-up", client.getInputStream(), upstream.getOutputStream(), this::nextDelay,
                () -> { shutdownOutput(upstream); directionDone.run(); }).start();
            new DelayedPipe("latency-" + n + "-down", upstream.getInputStream(), client.getOutputStream(), this::nextDelay,
                () -> { shutdownOutput(client); directionDone.run(); }).start();
        } catch (IOException e) {
            closeQuietly(client); // the target refused or the proxy is closing: the client sees its connection end
            closeQuietly(upstream);
        }
    }

    private long nextDelay() {
        if (jitterNanos == 0) {
            return delayNanos;
        }
        synchronized (random) {
            return delayNanos + (long) (random.nextDouble() * jitterNanos);
        }
    }

    private void shutdownOutput(Socket s) {
        try {
            s.shutdownOutput();
        } catch (IOException e) {
            closeQuietly(s); // already broken: close it so the other direction's read ends too
        }
    }

    private void closeQuietly(Socket s) {
        sockets.remove(s);
        try {
            s.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    @Override
    public void close() {
        closed = true;
        for (ServerSocket l : listeners) {
            try {
                l.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
        List.copyOf(sockets).forEach(this::closeQuietly);
    }

    /**
     * Runs a proxy until the process is killed: {@code --bind ADDRESS --delay-ms D --jitter-ms J
     * --seed S --route LISTENPORT=HOST:PORT [--route ...]}; prints {@code ready} once every port is
     * bound, or the error and exits 2.
     */
    public static void main(String[] args) throws InterruptedException {
        PrintStream out = System.out;
        try {
            InetAddress bind = InetAddress.getByName("0.0.0.0");
            long delay = -1;
            long jitter = 0;
            long seed = 1;
            List<Route> routes = new ArrayList<>();
            for (int i = 0; i < args.length; i += 2) {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(args[i] + " needs a value");
                }
                String v = args[i + 1];
                switch (args[i]) {
                    case "--bind" -> bind = InetAddress.getByName(v);
                    case "--delay-ms" -> delay = Long.parseLong(v);
                    case "--jitter-ms" -> jitter = Long.parseLong(v);
                    case "--seed" -> seed = Long.parseLong(v);
                    case "--route" -> routes.add(Route.parse(v));
                    default -> throw new IllegalArgumentException("unknown option " + args[i]);
                }
            }
            if (delay < 0) {
                throw new IllegalArgumentException("--delay-ms is required");
            }
            LatencyProxy proxy = new LatencyProxy(bind, routes, delay, jitter, new Random(seed), out);
            out.println("ready: " + routes.size() + " route(s), delay " + delay + " ms + up to " + jitter + " ms");
            out.flush();
            Runtime.getRuntime().addShutdownHook(new Thread(proxy::close));
            Thread.currentThread().join(); // serves until killed
        } catch (IllegalArgumentException | IOException | UncheckedIOException e) {
            out.println("latency proxy: " + e.getMessage());
            out.flush();
            System.exit(2);
        }
    }
}
