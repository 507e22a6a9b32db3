package io.runnel.client.admin;

import java.util.ArrayList;
import java.util.List;

/**
 * One partition's move in {@link RunnelAdmin#reassignPartitions}: {@code topic}-{@code partition}
 * to {@code replicas}, the first the preferred leader. Written {@code TOPIC:PARTITION=ID,ID,...}
 * on the command line and in a moves file (one a line).
 *
 * @throws IllegalArgumentException for an empty topic, a negative partition, no replicas or a
 *     replica named twice
 */
public record PartitionMove(String topic, int partition, List<Integer> replicas) {
    public PartitionMove {
        if (topic == null || topic.isEmpty()) {
            throw new IllegalArgumentException("topic name must not be empty");
        }
        if (partition < 0) {
            throw new IllegalArgumentException("partition must be >= 0, got " + partition);
        }
        replicas = List.copyOf(replicas);
        if (replicas.isEmpty() || replicas.stream().distinct().count() != replicas.size()) {
            throw new IllegalArgumentException(topic + "-" + partition + ": the replicas to move to must be named, each once, got "
                + replicas);
        }
    }

    /**
     * Parses {@code TOPIC:PARTITION=ID,ID,...} (the topic may contain ':'; the last one before '=' ends it).
     *
     * @throws IllegalArgumentException naming the text and what is wrong with it
     */
    public static PartitionMove parse(String text) {
        int eq = text.indexOf('=');
        int colon = eq < 0 ? -1 : text.lastIndexOf(':', eq);
        if (colon <= 0 || eq < colon + 2 || eq == text.length() - 1) {
            throw new IllegalArgumentException("a move is TOPIC:PARTITION=ID,ID,... (e.g. orders:0=2,3), got '" + text + "'");
        }
        try {
            List<Integer> replicas = new ArrayList<>();
            for (String id : text.substring(eq + 1).split(",")) {
                replicas.add(Integer.parseInt(id.trim()));
            }
            return new PartitionMove(text.substring(0, colon), Integer.parseInt(text.substring(colon + 1, eq).trim()), replicas);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("a move is TOPIC:PARTITION=ID,ID,... with numbers for the partition and the "
                + "broker ids, got '" + text + "'");
        }
    }

    /** {@code topic-partition}. */
    public String name() {
        return topic + "-" + partition;
    }
}
