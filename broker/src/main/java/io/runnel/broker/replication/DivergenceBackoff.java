package io.runnel.broker.replication;

import io.runnel.broker.partition.TopicPartition;
import io.runnel.log.EpochEndOffset;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How long a follower waits before fetching a partition again after the leader answered
 * "diverged". The first answer at a place (fetch offset, last fetched epoch, the leader's epoch and
 * end) costs nothing: the follower truncates and fetches at once. The same answer at the same place
 * again means truncation did not move the follower (a bug, or a leader whose history is changing
 * under it): waits double from {@code initialMs} up to {@code maxMs} instead of a tight loop, until
 * the answer or the place changes or the fetch makes progress.
 *
 * <p>Thread-safety: safe; in practice used by one fetcher thread.
 */
final class DivergenceBackoff {
    private record Place(long fetchOffset, int lastFetchedEpoch, EpochEndOffset answer) {
    }

    private record Seen(Place place, long lastDelayMs, int repeats) {
    }

    private final long initialMs;
    private final long maxMs;
    private final Map<TopicPartition, Seen> seen = new ConcurrentHashMap<>();

    DivergenceBackoff(long initialMs, long maxMs) {
        if (initialMs < 1 || maxMs < initialMs) {
            throw new IllegalArgumentException("need 1 <= initial <= max, got " + initialMs + " and " + maxMs);
        }
        this.initialMs = initialMs;
        this.maxMs = maxMs;
    }

    /**
     * Records a diverging-epoch answer to a fetch from {@code fetchOffset} naming {@code lastFetchedEpoch}.
     *
     * @return the pause before the next fetch of {@code tp}: 0 the first time at this place, then
     *         {@code initialMs}, doubling up to {@code maxMs}
     */
    long onDiverged(TopicPartition tp, long fetchOffset, int lastFetchedEpoch, EpochEndOffset answer) {
        Place place = new Place(fetchOffset, lastFetchedEpoch, answer);
        Seen before = seen.get(tp);
        Seen now;
        if (before == null || !before.place().equals(place)) {
            now = new Seen(place, 0, 0);
        } else {
            long delay = before.lastDelayMs() == 0 ? initialMs : Math.min(maxMs, before.lastDelayMs() * 2);
            now = new Seen(place, delay, before.repeats() + 1);
        }
        seen.put(tp, now);
        return now.lastDelayMs();
    }

    /** How many times in a row the leader repeated its last answer for {@code tp} (0 if it did not). */
    int repeats(TopicPartition tp) {
        Seen s = seen.get(tp);
        return s == null ? 0 : s.repeats();
    }

    /** The partition fetched records (or was reassigned): the next divergence starts over. */
    void reset(TopicPartition tp) {
        seen.remove(tp);
    }
}
