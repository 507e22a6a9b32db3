package io.runnel.broker.replica;

import io.runnel.broker.partition.FetchRequestParams;
import io.runnel.broker.partition.Partition;
import io.runnel.broker.partition.PartitionState;
import io.runnel.broker.partition.TopicPartition;
import io.runnel.broker.replica.ReplicaManager.Hosted;
import java.util.Map;

/**
 * What a parked fetch's partitions looked like just before its last read, so that a purgatory check
 * re-reads only when one of them moved: Kafka's DelayedFetch compares offsets instead of reading
 * too. A fetch is checked whenever its partitions are touched — every append, every follower fetch
 * that moves the watermark, every metadata change — and most checks find nothing new for it (a
 * consumer is woken by the append before the watermark covers it; followers by the watermark move).
 *
 * <p>A partition has moved when it is no longer hosted or was replaced (deleted and re-created),
 * its leader epoch or role changed, the offset a read stops at (the log end for a follower, the
 * high watermark for a consumer) changed, or its log start moved (retention or DeleteRecords). Each
 * of those either adds readable records or turns the read into an error, as does the data directory
 * going offline ({@link LogDirHealth}: every check re-reads then, and the read answers
 * KAFKA_STORAGE_ERROR), so a check that finds none
 * of them has nothing to answer with. Positions are taken <em>before</em> a read: a record appended
 * between the two shows as a move at the next check (one spare read), never as nothing new.
 *
 * <p>Thread-safety: checks run on many threads at once. Each {@link #take} publishes a whole new
 * set of positions; a check that sees an older set re-reads once too often, and one that sees a
 * newer set than its own wake-up is covered by the read that follows that {@code take}.
 */
final class FetchPositions {
    /** One partition's state at the last read; {@code partition} null if it was not hosted. */
    private record Seen(Partition partition, int leaderEpoch, boolean leader, long readEnd, long logStart) {
    }

    private final Map<TopicPartition, Hosted> hosted;
    private final Map<TopicPartition, FetchRequestParams> requests;
    private final LogDirHealth health;
    private volatile Seen[] seen;

    /**
     * @param hosted the broker's live map of hosted partitions (only read)
     * @param health the data directory's health: an offline directory counts as a move
     */
    FetchPositions(Map<TopicPartition, Hosted> hosted, Map<TopicPartition, FetchRequestParams> requests, LogDirHealth health) {
        this.hosted = hosted;
        this.requests = requests;
        this.health = health;
    }

    /** Records every partition's position; call right before reading. */
    void take() {
        Seen[] now = new Seen[requests.size()];
        int i = 0;
        for (Map.Entry<TopicPartition, FetchRequestParams> e : requests.entrySet()) {
            now[i++] = look(e.getKey(), e.getValue().fromFollower());
        }
        seen = now;
    }

    /** Whether any partition moved since {@link #take}; true if positions were never taken or the directory is offline. */
    boolean moved() {
        Seen[] before = seen;
        if (before == null || health.offline()) {
            return true;
        }
        int i = 0;
        for (Map.Entry<TopicPartition, FetchRequestParams> e : requests.entrySet()) {
            if (!before[i++].equals(look(e.getKey(), e.getValue().fromFollower()))) {
                return true;
            }
        }
        return false;
    }

    private Seen look(TopicPartition tp, boolean follower) {
        Hosted h = hosted.get(tp);
        if (h == null) {
            return new Seen(null, -1, false, -1, -1);
        }
        Partition p = h.partition();
        PartitionState state = p.state();
        return new Seen(p, state == null ? -1 : state.leaderEpoch(), p.isLeader(),
            follower ? p.logEndOffset() : p.highWatermark(), p.log().logStartOffset());
    }
}
