package io.runnel.broker.replica;

import io.runnel.log.LogConfig;

/**
 * A topic's settings as they apply to one of its partitions on this broker.
 *
 * @param log               storage settings of the partition's log
 * @param minInsyncReplicas acks=all needs at least this many ISR members
 */
public record PartitionConfig(LogConfig log, int minInsyncReplicas) {
    public PartitionConfig {
        if (minInsyncReplicas < 1) {
            throw new IllegalArgumentException("min.insync.replicas must be >= 1, got " + minInsyncReplicas);
        }
    }
}
