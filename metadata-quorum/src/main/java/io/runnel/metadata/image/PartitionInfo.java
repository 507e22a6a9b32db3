package io.runnel.metadata.image;

import java.util.List;

/**
 * A partition's replicas and leadership.
 *
 * @param leader         broker id, or -1 while offline
 * @param leaderEpoch    goes up when the leader changes
 * @param partitionEpoch goes up on every change; AlterPartition must name the current one
 * @param targetReplicas  non-empty while a reassignment to these replicas is in progress
 * @param originalReplicas while reassigning, the replicas before the move (a cancel returns to them)
 * @param throttleBytesPerSec while reassigning, the move's replication throttle (0: none)
 */
public record PartitionInfo(int partition, List<Integer> replicas, List<Integer> isr, int leader, int leaderEpoch,
                            int partitionEpoch, List<Integer> targetReplicas, List<Integer> originalReplicas,
                            long throttleBytesPerSec) {
    public static final int NO_LEADER = -1;

    public PartitionInfo {
        replicas = List.copyOf(replicas);
        isr = List.copyOf(isr);
        targetReplicas = List.copyOf(targetReplicas);
        originalReplicas = List.copyOf(originalReplicas);
    }

    public PartitionInfo(int partition, List<Integer> replicas, List<Integer> isr, int leader, int leaderEpoch, int partitionEpoch) {
        this(partition, replicas, isr, leader, leaderEpoch, partitionEpoch, List.of(), List.of(), 0);
    }

    public boolean reassigning() {
        return !targetReplicas.isEmpty();
    }

    /** The replicas a reassignment adds (in the replicas but not the original ones); empty when not reassigning. */
    public List<Integer> addingReplicas() {
        return reassigning() ? replicas.stream().filter(r -> !originalReplicas.contains(r)).toList() : List.of();
    }
}
