package io.runnel.broker.console;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.ToDoubleFunction;

/**
 * {@code /charts}: this broker's throughput and latency and each topic's throughput through it,
 * as inline SVG line charts drawn here from {@link MetricsSampler}'s samples. The page's only
 * script reloads {@code /charts/fragment} (the same charts) every two seconds; {@code /api/metrics}
 * gives the samples as JSON.
 */
final class ChartsPage {
    private static final int WIDTH = 420;
    private static final int HEIGHT = 140;
    private static final int MAX_TOPICS = 12;
    private static final String SCRIPT = "<script>setInterval(function(){fetch('/charts/fragment').then(function(r){"
        + "return r.ok?r.text():null}).then(function(t){if(t!==null){document.getElementById('charts').innerHTML=t}})"
        + ".catch(function(){})},2000);</script>";

    private final MetricsSampler sampler;
    private final int nodeId;

    ChartsPage(MetricsSampler sampler, int nodeId) {
        this.sampler = sampler;
        this.nodeId = nodeId;
    }

    String page() {
        return Html.page("Charts of broker " + nodeId, "<p>Sampled every second on this node; each node's console charts "
            + "its own broker. Latency is the mean request time per interval (Fetch includes long-poll waits).</p>"
            + "<div id=\"charts\">" + fragment() + "</div>" + SCRIPT);
    }

    String fragment() {
        List<MetricsSampler.Sample> samples = sampler.samples();
        StringBuilder out = new StringBuilder("<h2>Broker ").append(nodeId).append("</h2>");
        out.append(chart("Throughput (bytes/s)", samples, List.of(new Line("produce", "#1f77b4",
            MetricsSampler.Sample::produceBytesPerSec), new Line("fetch", "#ff7f0e", MetricsSampler.Sample::fetchBytesPerSec))));
        out.append(chart("Latency (ms)", samples, List.of(new Line("produce", "#1f77b4", MetricsSampler.Sample::produceLatencyMs),
            new Line("fetch", "#ff7f0e", MetricsSampler.Sample::fetchLatencyMs))));
        Set<String> topics = new TreeSet<>();
        samples.forEach(s -> {
            topics.addAll(s.topicProducePerSec().keySet());
            topics.addAll(s.topicFetchPerSec().keySet());
        });
        out.append("<h2>Topics through broker ").append(nodeId).append("</h2>");
        if (topics.isEmpty()) {
            out.append("<p>No topic traffic through this broker yet.</p>");
        }
        topics.stream().limit(MAX_TOPICS).forEach(t -> out.append(chart("Topic " + t + " (bytes/s)", samples, List.of(
            new Line("produce", "#1f77b4", s -> s.topicProducePerSec().getOrDefault(t, 0.0)),
            new Line("fetch", "#ff7f0e", s -> s.topicFetchPerSec().getOrDefault(t, 0.0))))));
        return out.toString();
    }

    /** The samples as JSON: {@code {"node":1,"samples":[{"at":..,"produceBytesPerSec":..,...}]}}. */
    String json() {
        StringBuilder out = new StringBuilder("{\"node\":").append(nodeId).append(",\"samples\":[");
        List<MetricsSampler.Sample> samples = sampler.samples();
        for (int i = 0; i < samples.size(); i++) {
            MetricsSampler.Sample s = samples.get(i);
            out.append(i == 0 ? "" : ",").append("{\"at\":").append(s.atMs()).append(",\"produceBytesPerSec\":")
                .append(num(s.produceBytesPerSec())).append(",\"fetchBytesPerSec\":").append(num(s.fetchBytesPerSec()))
                .append(",\"produceLatencyMs\":").append(num(s.produceLatencyMs())).append(",\"fetchLatencyMs\":")
                .append(num(s.fetchLatencyMs())).append('}');
        }
        return out.append("]}").toString();
    }

    private record Line(String name, String color, ToDoubleFunction<MetricsSampler.Sample> value) {
    }

    private static String chart(String title, List<MetricsSampler.Sample> samples, List<Line> lines) {
        double max = 0;
        for (Line l : lines) {
            for (MetricsSampler.Sample s : samples) {
                max = Math.max(max, l.value().applyAsDouble(s));
            }
        }
        double top = max <= 0 ? 1 : max * 1.1;
        StringBuilder svg = new StringBuilder("<svg class=\"chart\" width=\"").append(WIDTH).append("\" height=\"")
            .append(HEIGHT + 30).append("\" role=\"img\"><title>").append(Html.escape(title)).append("</title>")
            .append("<text x=\"6\" y=\"14\" font-size=\"12\">").append(Html.escape(title)).append(" · max ")
            .append(num(max)).append("</text>");
        int legendX = 6;
        for (Line l : lines) {
            svg.append("<text x=\"").append(legendX).append("\" y=\"").append(HEIGHT + 26).append("\" font-size=\"11\" fill=\"")
                .append(l.color()).append("\">").append(Html.escape(l.name())).append(" ")
                .append(samples.isEmpty() ? "-" : num(l.value().applyAsDouble(samples.get(samples.size() - 1)))).append("</text>");
            legendX += 160;
            if (samples.size() < 2) {
                continue;
            }
            List<String> points = new ArrayList<>();
            for (int i = 0; i < samples.size(); i++) {
                double x = (double) i / (samples.size() - 1) * (WIDTH - 12) + 6;
                double y = 20 + (HEIGHT - 20) * (1 - l.value().applyAsDouble(samples.get(i)) / top);
                points.add(String.format(Locale.ROOT, "%.1f,%.1f", x, y));
            }
            svg.append("<polyline fill=\"none\" stroke-width=\"1.5\" stroke=\"").append(l.color()).append("\" points=\"")
                .append(String.join(" ", points)).append("\"/>");
        }
        if (samples.size() < 2) {
            svg.append("<text x=\"6\" y=\"60\" font-size=\"12\">collecting samples…</text>");
        }
        return svg.append("</svg>").toString();
    }

    private static String num(double v) {
        return String.format(Locale.ROOT, v >= 100 ? "%.0f" : "%.2f", v);
    }
}
