package io.runnel.broker.console;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.grpc.ChannelCredentials;
import io.grpc.StatusRuntimeException;
import io.runnel.broker.auth.Authorizer;
import io.runnel.broker.metadata.ControllerClient;
import io.runnel.broker.metrics.BrokerMetrics;
import io.runnel.broker.replica.ReplicaManager;
import io.runnel.proto.v1.AclOperation;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The console's HTTP server (the JDK's {@link HttpServer}: no dependency, nothing to build; HTTPS
 * with the browser's client certificate when the node has TLS on, {@link ConsoleTls}) and its
 * routes. Every answer is a whole server-rendered page; bad input and unreachable brokers give an
 * error page with the reason, never a stack trace. POSTs pass {@link RequestGuard} first. Each
 * request's {@link Viewer} is checked against the node's {@link Authorizer} as the API checks the
 * equivalent call, before a page shows or changes anything.
 *
 * <p>Thread-safety: requests run on two threads of its own; the pages share only thread-safe parts.
 */
public final class ConsoleServer implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(ConsoleServer.class);
    private static final int MAX_FORM_BYTES = 64 * 1024;
    private static final int SAMPLES = 120;

    private final ClusterApi cluster;
    private final RequestGuard guard;
    private final OverviewPage overview;
    private final TopicPages topics;
    private final TopicActions actions;
    private final MessagesPage messages;
    private final GroupPages groups;
    private final ChartsPage charts;
    private final MetricsSampler sampler;
    private final Clock clock;
    private final Authorizer authorizer;
    /** HTTPS and client certificates, or null for plain HTTP. */
    private final ConsoleTls tls;
    private HttpServer http;
    private ExecutorService handlers;
    private ScheduledExecutorService sampling;

    /**
     * @param voters      the controller quorum's node ids, for the overview's roles
     * @param credentials how this node's clients connect to client listeners (its certificate with TLS)
     * @param authorizer  the node's authorizer, asked about each HTTPS request's principal
     * @param tls         HTTPS with client certificates, or null for plain HTTP, which checks nothing
     *                    (ConsoleSettings allows it only on loopback while the authorizer is on)
     */
    public ConsoleServer(int nodeId, Set<Integer> voters, ControllerClient controller, ChannelCredentials credentials,
                         ReplicaManager replicas, BrokerMetrics metrics, Clock clock, Authorizer authorizer, ConsoleTls tls) {
        this.cluster = new ClusterApi(controller, credentials, nodeId);
        this.guard = new RequestGuard(new SecureRandom());
        this.overview = new OverviewPage(cluster, voters);
        this.topics = new TopicPages(cluster, replicas, guard.token());
        this.actions = new TopicActions(cluster, guard.token());
        this.messages = new MessagesPage(cluster);
        this.groups = new GroupPages(new GroupApi(cluster));
        this.sampler = new MetricsSampler(metrics::totals, SAMPLES);
        this.charts = new ChartsPage(sampler, nodeId);
        this.clock = clock;
        this.authorizer = authorizer;
        this.tls = tls;
    }

    /**
     * Binds and starts serving.
     *
     * @return the bound port
     * @throws IOException naming {@code console.listener} when the address cannot be bound
     */
    public int start(String host, int port) throws IOException {
        try {
            InetSocketAddress address = new InetSocketAddress(host, port);
            http = tls == null ? HttpServer.create(address, 16) : tls.bind(address, 16);
        } catch (IOException e) {
            throw new IOException("console.listener " + host + ":" + port + " cannot be bound: " + e.getMessage(), e);
        }
        handlers = Executors.newFixedThreadPool(2, r -> daemon(r, "console-http"));
        sampling = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "console-sampler"));
        http.setExecutor(handlers);
        http.createContext("/", this::handle);
        http.start();
        sampling.scheduleAtFixedRate(() -> sampler.sample(clock.millis()), 0, 1, TimeUnit.SECONDS);
        return http.getAddress().getPort();
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    private void handle(HttpExchange exchange) throws IOException {
        Reply reply;
        try {
            reply = route(exchange);
        } catch (ConsoleError e) {
            reply = Reply.error(e);
        } catch (StatusRuntimeException e) {
            reply = Reply.error(ConsoleError.unavailable("the cluster did not answer: " + e.getStatus().getCode()
                + (e.getStatus().getDescription() == null ? "" : " (" + e.getStatus().getDescription() + ")")));
        } catch (RuntimeException e) {
            log.warn("Console request {} failed", exchange.getRequestURI(), e);
            reply = Reply.error(new ConsoleError(500, "internal error: " + e.getClass().getSimpleName()
                + (e.getMessage() == null ? "" : ": " + e.getMessage())));
        }
        byte[] body = reply.body().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", reply.contentType());
        exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        exchange.getResponseHeaders().set("X-Frame-Options", "DENY");
        exchange.getResponseHeaders().set("Content-Security-Policy",
            "default-src 'self'; script-src 'unsafe-inline' 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'");
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        if (reply.location() != null) {
            exchange.getResponseHeaders().set("Location", reply.location());
        }
        boolean noBody = body.length == 0 || exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(reply.status(), noBody ? -1 : body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            if (!noBody) {
                out.write(body);
            }
        }
    }

    private Reply route(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        String method = exchange.getRequestMethod();
        Viewer viewer = tls == null ? Viewer.unchecked() : tls.viewer(exchange, authorizer);
        if (method.equals("POST")) {
            Params form = Params.parse(readForm(exchange));
            guard.check(form, exchange.getRequestHeaders().getFirst("Origin"), exchange.getRequestHeaders().getFirst("Host"),
                tls == null ? "http" : "https");
            return switch (path) {
                case "/topics/create" -> actions.create(form, viewer);
                case "/topics/delete" -> actions.delete(form, viewer);
                default -> throw ConsoleError.notFound("nothing to post to at " + path);
            };
        }
        if (!method.equals("GET") && !method.equals("HEAD")) {
            throw new ConsoleError(405, "method " + method + " is not supported");
        }
        Params query = Params.parse(exchange.getRequestURI().getRawQuery());
        return switch (path) {
            case "/" -> Reply.html(overview.render(viewer));
            case "/topics" -> Reply.html(topics.list(viewer));
            case "/topic" -> Reply.html(topics.topic(query, viewer));
            case "/messages" -> Reply.html(messages.render(query, viewer));
            case "/groups" -> Reply.html(groups.list(viewer));
            case "/group" -> Reply.html(groups.group(query, viewer));
            case "/charts", "/charts/fragment", "/api/metrics" -> charts(path, viewer);
            default -> throw ConsoleError.notFound("no page at " + path);
        };
    }

    /** The broker's metrics, with every topic's name: DESCRIBE on the cluster, as for the node's other metrics. */
    private Reply charts(String path, Viewer viewer) {
        viewer.requireOnCluster(AclOperation.DESCRIBE);
        return switch (path) {
            case "/charts" -> Reply.html(charts.page());
            case "/charts/fragment" -> Reply.html(charts.fragment());
            default -> Reply.json(charts.json());
        };
    }

    private static String readForm(HttpExchange exchange) throws IOException {
        try (InputStream in = exchange.getRequestBody()) {
            byte[] body = in.readNBytes(MAX_FORM_BYTES + 1);
            if (body.length > MAX_FORM_BYTES) {
                throw ConsoleError.badRequest("form larger than " + MAX_FORM_BYTES + " bytes");
            }
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    @Override
    public void close() {
        if (http != null) {
            http.stop(0);
        }
        if (handlers != null) {
            handlers.shutdownNow();
        }
        if (sampling != null) {
            sampling.shutdownNow();
        }
        cluster.close();
    }
}
