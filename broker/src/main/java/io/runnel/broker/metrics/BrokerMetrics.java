package io.runnel.broker.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.runnel.broker.partition.Partition;
import io.runnel.broker.replica.ReplicaManager;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The broker's Micrometer meters and their Prometheus scrape endpoint ({@code GET /metrics}).
 * Names follow Prometheus conventions once rendered: {@code runnel_produce_bytes_total},
 * {@code runnel_produce_latency_seconds}, {@code runnel_under_replicated_partitions}...
 *
 * <p>Thread-safety: meters are thread-safe; record from any thread.
 */
public final class BrokerMetrics implements Closeable {
    private static final String TOPIC_PRODUCE_BYTES = "runnel.topic.produce.bytes";
    private static final String TOPIC_FETCH_BYTES = "runnel.topic.fetch.bytes";
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Counter produceRecordsBytes;
    private final Counter fetchBytes;
    private final Timer produceLatency;
    private final Timer fetchLatency;
    private HttpServer http;

    public BrokerMetrics(ReplicaManager replicaManager) {
        produceRecordsBytes = Counter.builder("runnel.produce.bytes").description("Batch bytes appended as leader")
            .baseUnit("bytes").register(registry);
        fetchBytes = Counter.builder("runnel.fetch.bytes").description("Batch bytes returned to consumers and followers")
            .baseUnit("bytes").register(registry);
        produceLatency = Timer.builder("runnel.produce.latency").description("Produce request time, acks wait included")
            .publishPercentiles(0.5, 0.99).register(registry);
        fetchLatency = Timer.builder("runnel.fetch.latency").description("Fetch request time, long-poll wait included")
            .publishPercentiles(0.5, 0.99).register(registry);
        Gauge.builder("runnel.under.replicated.partitions", replicaManager,
                rm -> rm.partitions().values().stream().filter(Partition::isUnderReplicated).count())
            .description("Partitions led here whose ISR lacks a replica").register(registry);
        Gauge.builder("runnel.partitions", replicaManager, rm -> rm.partitions().size())
            .description("Partition replicas hosted here").register(registry);
        FunctionCounter.builder("runnel.isr.shrinks", replicaManager,
                rm -> rm.partitions().values().stream().mapToLong(Partition::isrShrinks).sum())
            .description("ISR shrinks proposed by leaders here").register(registry);
        FunctionCounter.builder("runnel.isr.expands", replicaManager,
                rm -> rm.partitions().values().stream().mapToLong(Partition::isrExpands).sum())
            .description("ISR expansions proposed by leaders here").register(registry);
        FunctionCounter.builder("runnel.replication.throttled.bytes", replicaManager,
                rm -> rm.reassignmentThrottle().throttledBytes())
            .description("Bytes sent under a reassignment's throttle to the replicas it adds").baseUnit("bytes").register(registry);
        FunctionCounter.builder("runnel.replication.throttled.fetches", replicaManager,
                rm -> rm.reassignmentThrottle().heldBackFetches())
            .description("Fetches of added replicas answered without records because their throttle was spent").register(registry);
        Gauge.builder("runnel.replication.throttled.partitions", replicaManager,
                rm -> rm.reassignmentThrottle().settings().size())
            .description("Partitions hosted here whose move is throttled").register(registry);
    }

    public void produced(long bytes, long nanos) {
        produceRecordsBytes.increment(bytes);
        produceLatency.record(nanos, TimeUnit.NANOSECONDS);
    }

    public void fetched(long bytes, long nanos) {
        fetchBytes.increment(bytes);
        fetchLatency.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** Batch bytes appended as leader to one of {@code topic}'s partitions (per-topic throughput). */
    public void topicProduced(String topic, long bytes) {
        Counter.builder(TOPIC_PRODUCE_BYTES).tag("topic", topic).baseUnit("bytes")
            .description("Batch bytes appended as leader, by topic").register(registry).increment(bytes);
    }

    /** Batch bytes of {@code topic} returned to consumers and followers (per-topic throughput). */
    public void topicFetched(String topic, long bytes) {
        Counter.builder(TOPIC_FETCH_BYTES).tag("topic", topic).baseUnit("bytes")
            .description("Batch bytes returned to consumers and followers, by topic").register(registry).increment(bytes);
    }

    /**
     * Every running total at once, for the console's charts: rates and mean latencies are the
     * differences between two of these.
     *
     * @param produceBytes      batch bytes appended as leader so far
     * @param fetchBytes        batch bytes returned so far
     * @param produceRequests   Produce requests timed so far
     * @param produceNanos      their total time
     * @param fetchRequests     Fetch requests timed so far
     * @param fetchNanos        their total time
     * @param topicProduceBytes per topic, batch bytes appended as leader
     * @param topicFetchBytes   per topic, batch bytes returned
     */
    public record Totals(long produceBytes, long fetchBytes, long produceRequests, long produceNanos, long fetchRequests,
                         long fetchNanos, Map<String, Long> topicProduceBytes, Map<String, Long> topicFetchBytes) {
        public Totals {
            topicProduceBytes = Map.copyOf(topicProduceBytes);
            topicFetchBytes = Map.copyOf(topicFetchBytes);
        }
    }

    public Totals totals() {
        return new Totals((long) produceRecordsBytes.count(), (long) fetchBytes.count(), produceLatency.count(),
            (long) produceLatency.totalTime(TimeUnit.NANOSECONDS), fetchLatency.count(),
            (long) fetchLatency.totalTime(TimeUnit.NANOSECONDS), byTopic(TOPIC_PRODUCE_BYTES), byTopic(TOPIC_FETCH_BYTES));
    }

    private Map<String, Long> byTopic(String name) {
        Map<String, Long> out = new TreeMap<>();
        registry.find(name).counters().forEach(c -> out.merge(c.getId().getTag("topic"), (long) c.count(), Long::sum));
        return out;
    }

    /** Counts a per-partition or whole-request error by its wire code. */
    public void error(String api, String code) {
        Counter.builder("runnel.request.errors").tag("api", api).tag("error", code)
            .description("Errors returned, by API and code").register(registry).increment();
    }

    /** The Prometheus text exposition of every meter. */
    public String scrape() {
        return registry.scrape();
    }

    /**
     * Serves {@code /metrics} over HTTP, with readiness never reported.
     *
     * @return the bound port
     * @throws IOException if the port cannot be bound
     */
    public int serve(String host, int port) throws IOException {
        return serve(host, port, () -> false);
    }

    /**
     * Serves {@code /metrics} and the health endpoints over HTTP: {@code /health/ready} answers 200
     * while {@code ready} says so and 503 otherwise (the gRPC health service's readiness), {@code
     * /health/live} 200 while the server runs. They let a container healthcheck probe the node with
     * a few bytes over a socket (the image's {@code healthcheck} script, bash alone) instead of a
     * JVM per probe.
     *
     * @return the bound port
     * @throws IOException if the port cannot be bound
     */
    public int serve(String host, int port, BooleanSupplier ready) throws IOException {
        http = HttpServer.create(new InetSocketAddress(host, port), 0);
        http.createContext("/health/ready", exchange -> {
            boolean serving = ready.getAsBoolean();
            answer(exchange, serving ? 200 : 503, serving ? "SERVING\n" : "NOT_SERVING\n");
        });
        http.createContext("/health/live", exchange -> answer(exchange, 200, "SERVING\n"));
        http.createContext("/metrics", exchange -> {
            byte[] body = scrape().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        http.start();
        return http.getAddress().getPort();
    }

    private static void answer(HttpExchange exchange, int status, String text) throws IOException {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        if (http != null) {
            http.stop(0);
        }
        registry.close();
    }
}
