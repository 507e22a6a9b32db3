package io.runnel.broker.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runnel.broker.metrics.BrokerMetrics;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The charts' sampling (rates and mean latencies between running totals) and their rendering. */
class ConsoleChartsTest {
    private static BrokerMetrics.Totals totals(long produceBytes, long requests, long nanos, long topicBytes) {
        return new BrokerMetrics.Totals(produceBytes, 0, requests, nanos, 0, 0, Map.of("a<b", topicBytes), Map.of());
    }

    @Test
    void sampler_ratesAndMeanLatencyBetweenSamples_boundedHistory() {
        Deque<BrokerMetrics.Totals> feed = new ArrayDeque<>(List.of(totals(0, 0, 0, 0), totals(2000, 4, 8_000_000, 500),
            totals(2000, 4, 8_000_000, 500), totals(5000, 5, 9_000_000, 500)));
        MetricsSampler sampler = new MetricsSampler(feed::removeFirst, 2);
        sampler.sample(1000);
        assertEquals(List.of(), sampler.samples(), "the first reading only sets the baseline");
        sampler.sample(3000);
        MetricsSampler.Sample first = sampler.samples().get(0);
        assertEquals(1000.0, first.produceBytesPerSec());
        assertEquals(2.0, first.produceLatencyMs(), "8 ms over 4 requests");
        assertEquals(250.0, first.topicProducePerSec().get("a<b"));
        sampler.sample(4000);
        assertEquals(0.0, sampler.samples().get(1).produceLatencyMs(), "no requests, no latency");
        sampler.sample(5000);
        assertEquals(2, sampler.samples().size());
        assertEquals(3000.0, sampler.samples().get(1).produceBytesPerSec());
    }

    @Test
    void charts_drawEachSeries_escapeTopicNames_andGiveJson() {
        Deque<BrokerMetrics.Totals> feed = new ArrayDeque<>(List.of(totals(0, 0, 0, 0), totals(100, 1, 1_000_000, 100),
            totals(300, 2, 3_000_000, 300)));
        MetricsSampler sampler = new MetricsSampler(feed::removeFirst, 10);
        ChartsPage charts = new ChartsPage(sampler, 7);
        assertTrue(charts.fragment().contains("No topic traffic"), "nothing sampled yet");
        sampler.sample(0);
        sampler.sample(1000);
        sampler.sample(2000);
        String fragment = charts.fragment();
        assertTrue(fragment.contains("Topic a&lt;b (bytes/s)"), fragment);
        assertFalse(fragment.contains("a<b"), fragment);
        assertEquals(6, fragment.split("<polyline").length - 1, "produce and fetch in 3 charts");
        assertTrue(charts.page().contains("setInterval"), "the page reloads its charts");
        assertTrue(charts.json().startsWith("{\"node\":7,\"samples\":[{\"at\":1000,\"produceBytesPerSec\":100,"),
            charts.json());
    }
}
