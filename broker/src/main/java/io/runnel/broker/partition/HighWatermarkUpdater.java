package io.runnel.broker.partition;

/**
 * How a {@link Partition}'s high watermark moves: as leader, up to the smallest log end offset in
 * the maximal ISR (never while an ISR member has not been heard from in this epoch); as follower,
 * up to the leader's, capped at its own log end; after a truncation, down to the new log end. It
 * never moves up past a record some possible ISR member lacks.
 *
 * <p>Static, working on the partition's fields, so the produce and fetch paths that call it cost
 * one call and no object. Thread-safety: every change is made under the partition's
 * {@code hwLock}; readers read the volatile field.
 */
final class HighWatermarkUpdater {
    private HighWatermarkUpdater() {
    }

    /** See {@link Partition#maybeIncrementHighWatermark}. */
    static boolean maybeIncrement(Partition p) {
        synchronized (p.hwLock) {
            if (!p.isLeader()) {
                return false;
            }
            long candidate = p.replicaLog.logEndOffset();
            for (int replica : p.maximalIsr) {
                if (replica == p.localBrokerId) {
                    continue;
                }
                FollowerState f = p.followers.get(replica);
                long end = f == null ? -1 : f.logEndOffset();
                if (end < 0) {
                    return false; // an ISR member not heard from in this epoch holds the watermark
                }
                candidate = Math.min(candidate, end);
            }
            if (candidate > p.highWatermark) {
                p.highWatermark = candidate;
                return true;
            }
            return false;
        }
    }

    /** See {@link Partition#updateFollowerHighWatermark}. */
    static void takeLeaders(Partition p, long leaderHighWatermark) {
        synchronized (p.hwLock) {
            long capped = Math.min(leaderHighWatermark, p.replicaLog.logEndOffset());
            if (capped > p.highWatermark) {
                p.highWatermark = capped;
            }
        }
    }

    /** Caps the high watermark at the log end offset, after the log was truncated. */
    static void capAtLogEnd(Partition p) {
        synchronized (p.hwLock) {
            p.highWatermark = Math.min(p.highWatermark, p.replicaLog.logEndOffset());
        }
    }
}
