package io.runnel.broker.replica;

import io.runnel.log.LogConfig;
import java.util.Map;

/**
 * A topic's settings as they apply to one of its partitions on this broker.
 *
 * @param log               storage settings of the partition's log
 * @param minInsyncReplicas acks=all needs at least this many ISR members
 * @param maxMessageBytes   largest batch a producer may send ({@code max.message.bytes})
 * @param uncleanLeaderElection {@code unclean.leader.election.enable}: a replica outside the ISR may
 *                          be elected, so a follower may have to give up records it holds as
 *                          committed; without it a follower never truncates below its high watermark
 */
public record PartitionConfig(LogConfig log, int minInsyncReplicas, int maxMessageBytes, boolean uncleanLeaderElection) {
    /** Kafka's default max.message.bytes: 1 MiB plus batch overhead. */
    public static final int DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;
    public static final String MAX_MESSAGE_BYTES = "max.message.bytes";
    public static final String UNCLEAN_LEADER_ELECTION = "unclean.leader.election.enable";

    /** Without unclean leader election (the default). */
    public PartitionConfig(LogConfig log, int minInsyncReplicas, int maxMessageBytes) {
        this(log, minInsyncReplicas, maxMessageBytes, false);
    }

    public PartitionConfig {
        if (minInsyncReplicas < 1) {
            throw new IllegalArgumentException("min.insync.replicas must be >= 1, got " + minInsyncReplicas);
        }
        if (maxMessageBytes < 64) {
            throw new IllegalArgumentException("max.message.bytes must be >= 64, got " + maxMessageBytes);
        }
    }

    /** A topic's max.message.bytes: its own setting, else the node's default, else Kafka's. */
    public static int maxMessageBytes(Map<String, String> topicConfigs, Map<String, String> nodeDefaults) {
        String value = topicConfigs.getOrDefault(MAX_MESSAGE_BYTES, nodeDefaults.get(MAX_MESSAGE_BYTES));
        return value == null ? DEFAULT_MAX_MESSAGE_BYTES : Integer.parseInt(value);
    }
}
