package io.runnel.metadata.image;

import java.util.List;

/**
 * A partition's replicas and leadership.
 *
 * @param leader         broker id, or -1 while offline
 * @param leaderEpoch    goes up when the leader changes
 * @param partitionEpoch goes up on every change; AlterPartition must name the current one
 * @param targetReplicas  non-empty while a reassignment to these replicas is in progress
 */
public record PartitionInfo(int partition, List<Integer> replicas, List<Integer> isr, int leader, int leaderEpoch,
                            int partitionEpoch, List<Integer> targetReplicas) {
    public static final int NO_LEADER = -1;

    public PartitionInfo {
        replicas = List.copyOf(replicas);
        isr = List.copyOf(isr);
        targetReplicas = List.copyOf(targetReplicas);
    }

    public PartitionInfo(int partition, List<Integer> replicas, List<Integer> isr, int leader, int leaderEpoch, int partitionEpoch) {
        this(partition, replicas, isr, leader, leaderEpoch, partitionEpoch, List.of());
    }

    public boolean reassigning() {
        return !targetReplicas.isEmpty();
    }
}
