package io.runnel.broker.partition;

import io.runnel.log.EpochEndOffset;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A follower {@link Partition} cutting its log back to agree with the leader's: at the divergence
 * point found from leader epochs ({@link DivergencePoint}), or to the leader's bounds after an
 * out-of-range answer. Each cut rebuilds the producer table from what is left and caps the high
 * watermark at the new log end.
 *
 * <p>Thread-safety: both take the partition's {@code leaderIsrLock} for writing, then its high
 * watermark lock, in that order.
 */
final class FollowerTruncation {
    private static final Logger log = LoggerFactory.getLogger(FollowerTruncation.class);

    private FollowerTruncation() {
    }

    /** See {@link Partition#truncateToDivergence}. Takes the write lock. */
    static DivergencePoint truncateToDivergence(Partition p, EpochEndOffset leaderEnd, boolean keepCommitted) {
        p.leaderIsrLock.writeLock().lock();
        try {
            EpochEndOffset local = p.replicaLog.leaderEpochCache().endOffsetFor(leaderEnd.epoch());
            DivergencePoint point = DivergencePoint.of(leaderEnd, local, p.replicaLog.logStartOffset(),
                p.replicaLog.logEndOffset());
            if (keepCommitted) {
                refuseBelowHighWatermark(p, point.truncateTo(), "its epoch " + leaderEnd.epoch() + " ends at "
                    + leaderEnd.endOffset() + ", ours at " + local.endOffset());
            }
            p.replicaLog.truncateTo(point.truncateTo());
            p.rebuildProducerState();
            HighWatermarkUpdater.capAtLogEnd(p);
            log.info("{}: truncated to {} after divergence from the leader (leader's epoch {} ends at {}, ours at {}{})",
                p.tp, p.replicaLog.logEndOffset(), leaderEnd.epoch(), leaderEnd.endOffset(), local.endOffset(),
                point.complete() ? "" : "; asking again one epoch back");
            return point;
        } finally {
            p.leaderIsrLock.writeLock().unlock();
        }
    }

    /**
     * A leader elected from the ISR holds every committed record, so a cut below our high watermark
     * means it was not (a stale image named it, or a bug): keep the records, refuse.
     */
    private static void refuseBelowHighWatermark(Partition p, long truncateTo, String leaderAnswer) {
        long hw = p.highWatermark();
        if (truncateTo < hw) {
            throw new PartitionException.CommittedTruncationException(p.tp, truncateTo, hw, leaderAnswer);
        }
    }

    /** See {@link Partition#truncateForOutOfRange}. Takes the write lock. */
    static void truncateForOutOfRange(Partition p, long leaderLogEndOffset, long leaderLogStartOffset, boolean keepCommitted) {
        p.leaderIsrLock.writeLock().lock();
        try {
            if (p.replicaLog.logEndOffset() > leaderLogEndOffset) {
                if (keepCommitted) {
                    refuseBelowHighWatermark(p, leaderLogEndOffset, "its log ends at " + leaderLogEndOffset);
                }
                p.replicaLog.truncateTo(leaderLogEndOffset);
            } else if (leaderLogStartOffset > p.replicaLog.logEndOffset()) {
                p.replicaLog.truncateFullyAndStartAt(leaderLogStartOffset);
            }
            p.rebuildProducerState();
            HighWatermarkUpdater.capAtLogEnd(p);
        } finally {
            p.leaderIsrLock.writeLock().unlock();
        }
    }
}
