package io.runnel.faultsuite.latency;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The latency proxy over real loopback sockets: a target server, the proxy in front of it, a client. */
class LatencyProxyTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final long DELAY_MS = 120;
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    private ServerSocket target() throws IOException {
        ServerSocket s = new ServerSocket(0, 50, LOOPBACK);
        open.add(s);
        return s;
    }

    private LatencyProxy proxy(int targetPort, long delayMs, long jitterMs) {
        LatencyProxy p = new LatencyProxy(LOOPBACK, List.of(new LatencyProxy.Route(0, new InetSocketAddress(LOOPBACK, targetPort))),
            delayMs, jitterMs, new Random(7), null);
        open.add(p);
        return p;
    }

    private Socket connect(LatencyProxy proxy) throws IOException {
        Socket s = new Socket(LOOPBACK, proxy.port(0));
        s.setSoTimeout(30_000);
        open.add(s);
        return s;
    }

    /** A read of the target side: how many bytes had arrived in all once it returned, and when. */
    private record Arrival(long totalBytes, long atNanos) {
    }

    @Test
    void bytesArriveIntactInOrder_andNoneBeforeTheDelay() throws Exception {
        ServerSocket target = target();
        LatencyProxy proxy = proxy(target.getLocalPort(), DELAY_MS, 60);
        int chunks = 40;
        int chunkBytes = 10_000;
        byte[] sent = new byte[chunks * chunkBytes];
        new Random(42).nextBytes(sent);
        CompletableFuture<List<Arrival>> arrivals = new CompletableFuture<>();
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        Thread server = new Thread(() -> {
            List<Arrival> seen = new ArrayList<>();
            try (Socket s = target.accept()) {
                InputStream in = s.getInputStream();
                byte[] buf = new byte[4096];
                int n;
                while ((n = in.read(buf)) >= 0) {
                    received.write(buf, 0, n);
                    seen.add(new Arrival(received.size(), System.nanoTime()));
                }
                arrivals.complete(seen);
            } catch (IOException e) {
                arrivals.completeExceptionally(e);
            }
        });
        server.start();

        long[] sentAt = new long[chunks];
        try (Socket client = connect(proxy)) {
            OutputStream out = client.getOutputStream();
            for (int i = 0; i < chunks; i++) {
                sentAt[i] = System.nanoTime();
                out.write(sent, i * chunkBytes, chunkBytes);
                out.flush();
                if (i % 10 == 9) {
                    TimeUnit.MILLISECONDS.sleep(DELAY_MS / 2); // some chunks read by the proxy one at a time, not all at once
                }
            }
            client.shutdownOutput();
            List<Arrival> seen = arrivals.get(30, TimeUnit.SECONDS);

            assertArrayEquals(sent, received.toByteArray(), "every byte, in order");
            for (int i = 0; i < chunks; i++) {
                long firstByte = (long) i * chunkBytes;
                Arrival a = seen.stream().filter(r -> r.totalBytes() > firstByte).findFirst().orElseThrow();
                long tookMs = TimeUnit.NANOSECONDS.toMillis(a.atNanos() - sentAt[i]);
                assertTrue(tookMs >= DELAY_MS, "chunk " + i + " arrived " + tookMs + " ms after it was sent, under the "
                    + DELAY_MS + " ms delay");
            }
        }
    }

    @Test
    void eachDirectionIsDelayed_andAHalfCloseComesAfterTheBytesBeforeIt() throws Exception {
        ServerSocket target = target();
        LatencyProxy proxy = proxy(target.getLocalPort(), DELAY_MS, 0);
        Thread echo = new Thread(() -> {
            try (Socket s = target.accept()) {
                byte[] all = s.getInputStream().readAllBytes(); // up to the client's half-close
                s.getOutputStream().write(("echo:" + new String(all, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                // the test's assertions tell
            }
        });
        echo.start();

        Socket client = connect(proxy);
        long start = System.nanoTime();
        client.getOutputStream().write("hello".getBytes(StandardCharsets.UTF_8));
        client.shutdownOutput();
        byte[] answer = client.getInputStream().readAllBytes(); // ends when the target closes, after its answer
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        assertEquals("echo:hello", new String(answer, StandardCharsets.UTF_8));
        assertTrue(tookMs >= 2 * DELAY_MS, "a round trip through the proxy took " + tookMs + " ms, under twice the delay");
        assertEquals(1, proxy.accepted());
    }

    @Test
    void aTargetThatRefuses_endsTheClientsConnection() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
            closedPort = s.getLocalPort();
        }
        LatencyProxy proxy = proxy(closedPort, DELAY_MS, 0);
        Socket client = connect(proxy);
        try {
            assertEquals(-1, client.getInputStream().read(), "closed by the proxy");
        } catch (SocketException reset) {
            // a reset says the same
        }
    }

    @Test
    void closingTheProxy_endsTheConnectionsItCarries() throws Exception {
        ServerSocket target = target();
        LatencyProxy proxy = proxy(target.getLocalPort(), 0, 0);
        Socket client = connect(proxy);
        Socket far = target.accept();
        open.add(far);
        client.getOutputStream().write(1);
        assertEquals(1, far.getInputStream().read(), "carried while open");

        proxy.close();

        far.setSoTimeout(30_000);
        try {
            assertEquals(-1, far.getInputStream().read());
        } catch (SocketException reset) {
            // a reset says the same
        }
    }

    @Test
    void badSettings_areRefusedNamingTheProblem() {
        IllegalArgumentException delay = assertThrows(IllegalArgumentException.class, () -> proxy(1, -1, 0));
        assertTrue(delay.getMessage().contains("delay and jitter must be >= 0 ms"), delay.getMessage());
        IllegalArgumentException route = assertThrows(IllegalArgumentException.class, () -> LatencyProxy.Route.parse("9092"));
        assertTrue(route.getMessage().contains("LISTENPORT=HOST:PORT"), route.getMessage());
        LatencyProxy.Route ok = LatencyProxy.Route.parse("19092=10.200.0.11:9092");
        assertEquals(19092, ok.listenPort());
        assertEquals(9092, ok.target().getPort());
    }
}
