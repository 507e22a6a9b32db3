package io.runnel.broker.console;

import io.runnel.broker.metrics.BrokerMetrics;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * The charts' data: every {@link #sample} reads the broker's running totals ({@link BrokerMetrics#totals})
 * and keeps the rates and mean latencies since the previous one, the last {@code capacity} of them.
 * The console calls it once a second on its own scheduler.
 *
 * <p>Thread-safe: sampling and reading are synchronized.
 */
final class MetricsSampler {
    /**
     * Rates over one interval.
     *
     * @param atMs                 when it was taken
     * @param produceBytesPerSec   batch bytes appended as leader per second
     * @param fetchBytesPerSec     batch bytes returned per second
     * @param produceLatencyMs     mean Produce request time in the interval (0 without requests)
     * @param fetchLatencyMs       mean Fetch request time in the interval (long polls included)
     * @param topicProducePerSec   per topic, bytes appended per second
     * @param topicFetchPerSec     per topic, bytes returned per second
     */
    record Sample(long atMs, double produceBytesPerSec, double fetchBytesPerSec, double produceLatencyMs,
                  double fetchLatencyMs, Map<String, Double> topicProducePerSec, Map<String, Double> topicFetchPerSec) {
        Sample {
            topicProducePerSec = Map.copyOf(topicProducePerSec);
            topicFetchPerSec = Map.copyOf(topicFetchPerSec);
        }
    }

    private final Supplier<BrokerMetrics.Totals> totals;
    private final int capacity;
    private final Deque<Sample> samples = new ArrayDeque<>();
    private BrokerMetrics.Totals last;
    private long lastAtMs;

    MetricsSampler(Supplier<BrokerMetrics.Totals> totals, int capacity) {
        this.totals = totals;
        this.capacity = capacity;
    }

    synchronized void sample(long nowMs) {
        BrokerMetrics.Totals now = totals.get();
        if (last != null && nowMs > lastAtMs) {
            double seconds = (nowMs - lastAtMs) / 1000.0;
            samples.addLast(new Sample(nowMs, (now.produceBytes() - last.produceBytes()) / seconds,
                (now.fetchBytes() - last.fetchBytes()) / seconds,
                meanMs(now.produceNanos() - last.produceNanos(), now.produceRequests() - last.produceRequests()),
                meanMs(now.fetchNanos() - last.fetchNanos(), now.fetchRequests() - last.fetchRequests()),
                rates(now.topicProduceBytes(), last.topicProduceBytes(), seconds),
                rates(now.topicFetchBytes(), last.topicFetchBytes(), seconds)));
            while (samples.size() > capacity) {
                samples.removeFirst();
            }
        }
        last = now;
        lastAtMs = nowMs;
    }

    synchronized List<Sample> samples() {
        return List.copyOf(new ArrayList<>(samples));
    }

    private static double meanMs(long nanos, long count) {
        return count <= 0 ? 0 : nanos / 1e6 / count;
    }

    private static Map<String, Double> rates(Map<String, Long> now, Map<String, Long> before, double seconds) {
        Map<String, Double> out = new TreeMap<>();
        now.forEach((topic, total) -> out.put(topic, (total - before.getOrDefault(topic, 0L)) / seconds));
        return out;
    }
}
