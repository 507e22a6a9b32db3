package io.runnel.broker.partition;

import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Partition}'s role changes as metadata (or an accepted AlterPartition) names its leader:
 * becoming leader starts a new leader epoch at the log end offset and a lag clock per follower;
 * the same epoch again is an ISR update; becoming follower drops the leader's replication state.
 * A state older than the one applied (lower leader epoch, or same epoch and lower partition epoch)
 * is ignored.
 *
 * <p>Thread-safety: both changes take the partition's {@code leaderIsrLock} for writing, so no
 * append or fetch interleaves with them.
 */
final class RoleTransitions {
    private static final Logger log = LoggerFactory.getLogger(RoleTransitions.class);

    private RoleTransitions() {
    }

    /** See {@link Partition#makeLeader}. Takes the write lock. */
    static boolean makeLeader(Partition p, PartitionState newState) {
        if (newState.leaderId() != p.localBrokerId) {
            throw new IllegalArgumentException("state names leader " + newState.leaderId() + ", not " + p.localBrokerId);
        }
        p.leaderIsrLock.writeLock().lock();
        try {
            PartitionState old = p.state;
            if (old != null && Partition.isStale(old, newState)) {
                return false;
            }
            boolean newEpoch = old == null || old.leaderId() != p.localBrokerId
                || newState.leaderEpoch() > old.leaderEpoch();
            if (!newEpoch && newState.partitionEpoch() == old.partitionEpoch()) {
                // The same state again: metadata re-applies every partition on any change. Nothing
                // changed, and an AlterPartition in flight stays pending (its member keeps counting).
                return false;
            }
            p.state = newState;
            p.maximalIsr = Set.copyOf(newState.isr());
            p.isrProposer.clearPending();
            long now = p.clock.millis();
            if (newEpoch) {
                p.leaderEpochStartOffset = p.replicaLog.logEndOffset();
                p.replicaLog.leaderEpochCache().assign(newState.leaderEpoch(), p.leaderEpochStartOffset);
                p.followers.clear();
            }
            for (int replica : newState.replicas()) {
                if (replica != p.localBrokerId) {
                    // ISR members get a fresh lag clock: they were in sync as far as the controller knows.
                    p.followers.computeIfAbsent(replica,
                        id -> new FollowerState(id, newState.isr().contains(id) ? now : 0));
                }
            }
            p.followers.keySet().retainAll(newState.replicas());
            if (newEpoch) {
                log.info("{}: leader in epoch {} from offset {}, ISR {}", p.tp, newState.leaderEpoch(),
                    p.leaderEpochStartOffset, newState.isr());
            }
            p.maybeIncrementHighWatermark();
            return newEpoch;
        } finally {
            p.leaderIsrLock.writeLock().unlock();
        }
    }

    /** See {@link Partition#makeFollower}. Takes the write lock. */
    static boolean makeFollower(Partition p, PartitionState newState) {
        if (newState.leaderId() == p.localBrokerId) {
            throw new IllegalArgumentException("state names this broker (" + p.localBrokerId + ") leader");
        }
        p.leaderIsrLock.writeLock().lock();
        try {
            PartitionState old = p.state;
            if (old != null && Partition.isStale(old, newState)) {
                return false;
            }
            p.state = newState;
            p.maximalIsr = Set.of();
            p.isrProposer.clearPending();
            p.followers.clear();
            p.leaderEpochStartOffset = -1;
            return old == null || old.leaderId() != newState.leaderId() || old.leaderEpoch() != newState.leaderEpoch();
        } finally {
            p.leaderIsrLock.writeLock().unlock();
        }
    }
}
