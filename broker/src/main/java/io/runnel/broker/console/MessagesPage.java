package io.runnel.broker.console;

import io.runnel.metadata.image.TopicInfo;
import io.runnel.proto.v1.AclOperation;
import io.runnel.proto.v1.AclResourceType;
import io.runnel.proto.v1.Record;
import io.runnel.proto.v1.RecordHeader;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code /messages?topic=&partition=}: records of one partition from an offset ({@code offset=})
 * or from a time ({@code time=}, ISO-8601 like {@code 2026-12-03T12:00:00Z} or ms since the epoch,
 * turned into an offset by the leader's ListOffsets), read with a Fetch from the leader. Keys,
 * values and headers as {@code format=text|json|hex}; at most {@code limit} (1-100) records.
 */
final class MessagesPage {
    private final ClusterApi cluster;

    MessagesPage(ClusterApi cluster) {
        this.cluster = cluster;
    }

    /** @throws ConsoleError 403 unless the viewer may READ the topic (Fetch's rule), asked before whether it exists */
    String render(Params params, Viewer viewer) {
        String name = params.required("topic");
        viewer.require(AclOperation.READ, AclResourceType.TOPIC, name);
        TopicInfo topic = cluster.topic(name);
        int partition = params.intIn("partition", 0, 0, Integer.MAX_VALUE);
        if (!topic.partitions().containsKey(partition)) {
            throw ConsoleError.notFound("topic '" + topic.name() + "' has no partition " + partition + " (it has "
                + topic.partitions().size() + ")");
        }
        ValueFormat format = ValueFormat.of(params.oneOf("format", "text", "text", "json", "hex"));
        int limit = params.intIn("limit", 20, 1, 100);
        String time = params.text("time", null);
        long offset;
        String from;
        if (time != null) {
            long ms = parseTime(time);
            offset = cluster.offsetForTime(topic.name(), partition, ms);
            from = "the first record at or after " + Instant.ofEpochMilli(ms);
            if (offset < 0) {
                return Html.page(title(topic, partition), form(topic, partition, params, format, limit)
                    + "<p id=\"no-records\">No record at or after " + Html.escape(Instant.ofEpochMilli(ms).toString()) + ".</p>");
            }
        } else {
            offset = params.longIn("offset", -1, -1, Long.MAX_VALUE);
            if (offset < 0) {
                offset = cluster.offsets(topic, ClusterApi.EARLIEST).getOrDefault(partition, 0L);
                offset = Math.max(offset, 0);
            }
            from = "offset " + offset;
        }
        ClusterApi.FetchedRecords fetched = cluster.fetch(topic.name(), partition, offset, limit);
        StringBuilder body = new StringBuilder(form(topic, partition, params, format, limit));
        body.append("<p>From ").append(Html.escape(from)).append("; the log holds offsets ").append(fetched.logStart())
            .append(" up to the high watermark ").append(fetched.highWatermark()).append(".</p>");
        if (fetched.records().isEmpty()) {
            body.append("<p id=\"no-records\">No records from there.</p>");
        } else {
            List<List<String>> rows = new ArrayList<>();
            for (Record r : fetched.records()) {
                rows.add(List.of("<span class=\"offset\">" + r.getOffset() + "</span>",
                    Html.escape(Instant.ofEpochMilli(r.getTimestampMs()).toString()),
                    "<span class=\"key\">" + format.render(r.hasKey() ? r.getKey().toByteArray() : null) + "</span>",
                    "<span class=\"value\">" + format.render(r.hasValue() ? r.getValue().toByteArray() : null) + "</span>",
                    headers(r.getHeadersList(), format)));
            }
            body.append("<div id=\"records\">").append(Html.table(List.of("Offset", "Timestamp", "Key", "Value", "Headers"), rows))
                .append("</div>");
            long next = fetched.records().get(fetched.records().size() - 1).getOffset() + 1;
            body.append(Html.link("/messages?topic=" + Html.url(topic.name()) + "&partition=" + partition + "&offset=" + next
                + "&format=" + format.name().toLowerCase(Locale.ROOT) + "&limit=" + limit, "Next records →"));
        }
        return Html.page(title(topic, partition), body.toString());
    }

    private static String title(TopicInfo topic, int partition) {
        return "Messages of " + topic.name() + "-" + partition;
    }

    /** ISO-8601 instant or ms since the epoch; anything else is a 400 showing both forms. */
    static long parseTime(String text) {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException notMillis) {
            try {
                return Instant.parse(text).toEpochMilli();
            } catch (DateTimeParseException e) {
                throw ConsoleError.badRequest("parameter 'time' must be an ISO-8601 instant like 2026-12-03T12:00:00Z "
                    + "or milliseconds since the epoch, got '" + text + "'");
            }
        }
    }

    private static String headers(List<RecordHeader> headers, ValueFormat format) {
        StringBuilder out = new StringBuilder();
        for (RecordHeader h : headers) {
            out.append("<div class=\"header\"><b>").append(Html.escape(h.getKey())).append("</b>: ")
                .append(format.render(h.hasValue() ? h.getValue().toByteArray() : null)).append("</div>");
        }
        return out.toString();
    }

    private static String form(TopicInfo topic, int partition, Params params, ValueFormat format, int limit) {
        StringBuilder formats = new StringBuilder();
        for (ValueFormat f : ValueFormat.values()) {
            String name = f.name().toLowerCase(Locale.ROOT);
            formats.append("<option value=\"").append(name).append('"').append(f == format ? " selected" : "").append('>')
                .append(name).append("</option>");
        }
        return "<form method=\"get\" action=\"/messages\" id=\"browse\">" + Html.hidden("topic", topic.name())
            + "<label>Partition <input name=\"partition\" type=\"number\" min=\"0\" value=\"" + partition + "\"></label> "
            + "<label>From offset <input name=\"offset\" value=\"" + Html.escape(params.text("offset", "")) + "\"></label> "
            + "<label>or from time <input name=\"time\" placeholder=\"2026-12-03T12:00:00Z\" value=\""
            + Html.escape(params.text("time", "")) + "\"></label> "
            + "<label>Show as <select name=\"format\">" + formats + "</select></label> "
            + "<label>Limit <input name=\"limit\" type=\"number\" min=\"1\" max=\"100\" value=\"" + limit + "\"></label> "
            + "<button type=\"submit\">Browse</button></form>";
    }
}
