package io.runnel.broker.replica;

import io.runnel.log.LogConfig;

/**
 * A topic's settings as they apply to one of its partitions on this broker.
 *
 * @param log               storage settings of the partition's log
 * @param minInsyncReplicas acks=all needs at least this many ISR members
 * @param maxMessageBytes   largest batch a producer may send ({@code max.message.bytes})
 */
public record PartitionConfig(LogConfig log, int minInsyncReplicas, int maxMessageBytes) {
    /** Kafka's default max.message.bytes: 1 MiB plus batch overhead. */
    public static final int DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;

    public PartitionConfig {
        if (minInsyncReplicas < 1) {
            throw new IllegalArgumentException("min.insync.replicas must be >= 1, got " + minInsyncReplicas);
        }
        if (maxMessageBytes < 64) {
            throw new IllegalArgumentException("max.message.bytes must be >= 64, got " + maxMessageBytes);
        }
    }
}
