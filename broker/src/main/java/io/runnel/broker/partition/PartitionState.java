package io.runnel.broker.partition;

import java.util.List;

/**
 * What the metadata quorum decided about one partition, as a broker applies it.
 *
 * @param leaderId       broker id of the leader, or -1 if the partition is offline
 * @param leaderEpoch    bumped on every leader change; fences a deposed leader's writes
 * @param partitionEpoch bumped on every change (leader or ISR); fences stale AlterPartition requests
 * @param replicas       every replica, in preference order (the first is the preferred leader)
 * @param isr            the in-sync replicas
 */
public record PartitionState(int leaderId, int leaderEpoch, int partitionEpoch, List<Integer> replicas,
                             List<Integer> isr) {
    public static final int NO_LEADER = -1;

    public PartitionState {
        replicas = List.copyOf(replicas);
        isr = List.copyOf(isr);
        if (leaderEpoch < 0 || partitionEpoch < 0) {
            throw new IllegalArgumentException("epochs must be >= 0, got leader epoch " + leaderEpoch
                + ", partition epoch " + partitionEpoch);
        }
        if (!replicas.containsAll(isr)) {
            throw new IllegalArgumentException("ISR " + isr + " is not a subset of replicas " + replicas);
        }
    }
}
