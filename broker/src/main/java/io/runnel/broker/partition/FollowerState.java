package io.runnel.broker.partition;

/**
 * What a leader knows of one follower, updated on each of its fetches. The fetch offset is the
 * follower's log end offset: it has everything below it.
 *
 * <p>Caught-up rule (Kafka's): a fetch at or past the leader's end offset makes the follower
 * caught up as of that fetch; a fetch at or past the leader's end offset as of the previous fetch
 * makes it caught up as of the previous fetch. A follower whose caught-up time is older than
 * replica.lag.time.max.ms leaves the ISR.
 *
 * <p>Thread-safety: {@link #update} is synchronized; readers see consistent volatile fields.
 */
final class FollowerState {
    final int brokerId;
    private volatile long logEndOffset = -1;
    private volatile long lastCaughtUpTimeMs;
    private long lastFetchTimeMs;
    private long lastFetchLeaderEndOffset = -1;

    FollowerState(int brokerId, long caughtUpSinceMs) {
        this.brokerId = brokerId;
        this.lastCaughtUpTimeMs = caughtUpSinceMs;
    }

    synchronized void update(long fetchOffset, long fetchTimeMs, long leaderEndOffset) {
        if (fetchOffset >= leaderEndOffset) {
            lastCaughtUpTimeMs = Math.max(lastCaughtUpTimeMs, fetchTimeMs);
        } else if (lastFetchLeaderEndOffset >= 0 && fetchOffset >= lastFetchLeaderEndOffset) {
            lastCaughtUpTimeMs = Math.max(lastCaughtUpTimeMs, lastFetchTimeMs);
        }
        logEndOffset = fetchOffset;
        lastFetchLeaderEndOffset = leaderEndOffset;
        lastFetchTimeMs = fetchTimeMs;
    }

    /** The follower's log end offset, or -1 before its first fetch to this leader. */
    long logEndOffset() {
        return logEndOffset;
    }

    long lastCaughtUpTimeMs() {
        return lastCaughtUpTimeMs;
    }
}
