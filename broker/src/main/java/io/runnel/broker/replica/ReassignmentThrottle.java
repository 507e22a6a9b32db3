package io.runnel.broker.replica;

import io.runnel.broker.partition.TopicPartition;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The leader's replication throttle for partitions being moved (Kafka's
 * {@code leader.replication.throttled.rate}, but set per move and per partition): the replicas a
 * reassignment adds share, while they are out of the ISR, one token bucket of the move's bytes per
 * second. The other followers and consumers are never held back; a replica that joined the ISR is
 * not either (it fetches only what is new). The settings come from the metadata
 * ({@code PartitionRegistration.throttle_bytes_per_sec}) and go when the move ends.
 *
 * <p>The bucket holds at most one second of the rate and starts full. A fetch may take what the
 * bucket holds; an empty bucket answers the follower with no records (its position still counts).
 * As everywhere in the fetch path, the first batch is sent whole even if it is larger than what is
 * left: the bucket then goes below zero and refills before the next bytes go, so the rate holds on
 * average and a follower always progresses.
 *
 * <p>Thread-safety: safe from any thread; each partition's bucket is updated under its own lock.
 */
public final class ReassignmentThrottle {
    private final Clock clock;
    private final ConcurrentHashMap<TopicPartition, Bucket> buckets = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Integer, LongAdder> bytesByReplica = new ConcurrentHashMap<>();
    private final LongAdder throttledBytes = new LongAdder();
    private final LongAdder heldBack = new LongAdder();

    /**
     * A partition's throttle.
     *
     * @param bytesPerSec > 0
     * @param replicas    the replicas it applies to (the ones the move adds)
     */
    public record Setting(long bytesPerSec, Set<Integer> replicas) {
        public Setting {
            if (bytesPerSec <= 0) {
                throw new IllegalArgumentException("throttle must be > 0 bytes/s, got " + bytesPerSec);
            }
            replicas = Set.copyOf(replicas);
        }
    }

    public ReassignmentThrottle(Clock clock) {
        this.clock = clock;
    }

    /**
     * Replaces the throttled partitions with {@code settings}: a partition not named is no longer
     * throttled; one whose setting is unchanged keeps its bucket.
     */
    public void apply(Map<TopicPartition, Setting> settings) {
        buckets.keySet().retainAll(settings.keySet());
        settings.forEach((tp, s) -> buckets.compute(tp, (k, old) -> old != null && old.setting.equals(s) ? old
            : new Bucket(s, clock.millis())));
    }

    /** The partitions throttled now, and how. */
    public Map<TopicPartition, Setting> settings() {
        Map<TopicPartition, Setting> out = new HashMap<>();
        buckets.forEach((tp, b) -> out.put(tp, b.setting));
        return Map.copyOf(out);
    }

    /**
     * How many of {@code budget} bytes follower {@code replicaId}'s fetch of {@code tp} may take:
     * all of them unless the throttle applies; what the bucket holds (0 when spent, counted as a
     * fetch held back) if it does.
     *
     * @param isr the partition's ISR as its leader sees it
     */
    int limit(TopicPartition tp, int replicaId, List<Integer> isr, int budget) {
        Bucket b = throttling(tp, replicaId, isr);
        if (b == null) {
            return budget;
        }
        long available = b.available(clock.millis());
        if (available <= 0) {
            heldBack.increment();
            return 0;
        }
        return (int) Math.min(budget, available);
    }

    /** Counts {@code bytes} sent to follower {@code replicaId} against the throttle, if it applies. */
    void sent(TopicPartition tp, int replicaId, List<Integer> isr, long bytes) {
        Bucket b = throttling(tp, replicaId, isr);
        if (b == null || bytes == 0) {
            return;
        }
        b.take(bytes, clock.millis());
        throttledBytes.add(bytes);
        bytesByReplica.computeIfAbsent(replicaId, k -> new LongAdder()).add(bytes);
    }

    private Bucket throttling(TopicPartition tp, int replicaId, List<Integer> isr) {
        Bucket b = buckets.get(tp);
        return b != null && b.setting.replicas().contains(replicaId) && !isr.contains(replicaId) ? b : null;
    }

    /** Bytes sent under a throttle since start, to every replica. */
    public long throttledBytes() {
        return throttledBytes.sum();
    }

    /** Bytes sent under a throttle since start to one replica (0 for a replica never throttled here). */
    public long throttledBytes(int replicaId) {
        LongAdder a = bytesByReplica.get(replicaId);
        return a == null ? 0 : a.sum();
    }

    /** Follower fetches answered without records because their throttle was spent, since start. */
    public long heldBackFetches() {
        return heldBack.sum();
    }

    /** One partition's token bucket: up to one second of its rate. */
    private static final class Bucket {
        private final Setting setting;
        private double tokens;
        private long lastMillis;

        Bucket(Setting setting, long nowMillis) {
            this.setting = setting;
            this.tokens = setting.bytesPerSec();
            this.lastMillis = nowMillis;
        }

        synchronized long available(long nowMillis) {
            refill(nowMillis);
            return (long) tokens;
        }

        synchronized void take(long bytes, long nowMillis) {
            refill(nowMillis);
            tokens -= bytes;
        }

        private void refill(long nowMillis) {
            long elapsed = Math.max(0, nowMillis - lastMillis);
            lastMillis = Math.max(lastMillis, nowMillis);
            tokens = Math.min(setting.bytesPerSec(), tokens + setting.bytesPerSec() * elapsed / 1000.0);
        }
    }
}
