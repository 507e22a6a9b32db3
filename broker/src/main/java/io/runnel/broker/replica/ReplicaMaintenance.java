package io.runnel.broker.replica;

import io.runnel.broker.partition.Partition;
import io.runnel.broker.partition.TopicPartition;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The periodic passes over every hosted replica, apart from serving requests: ISR shrink checks,
 * high-watermark checkpoints, and retention and compaction. Each pass goes on past a partition
 * that fails, and logs it. {@link ReplicaManager} schedules the passes on its executors.
 */
final class ReplicaMaintenance {
    private static final Logger log = LoggerFactory.getLogger(ReplicaMaintenance.class);

    private final Supplier<Iterable<Partition>> hosted;
    private final long replicaLagTimeMaxMs;
    private final LogDirHealth health;
    /** The high watermark last written beside each log, so an unchanged one is not written again. */
    private final Map<TopicPartition, Long> checkpointed = new ConcurrentHashMap<>();

    /**
     * @param hosted              the replicas hosted now, read afresh on every pass
     * @param replicaLagTimeMaxMs a follower not caught up for this long leaves the ISR
     */
    ReplicaMaintenance(Supplier<Iterable<Partition>> hosted, long replicaLagTimeMaxMs, LogDirHealth health) {
        this.hosted = hosted;
        this.health = health;
        this.replicaLagTimeMaxMs = replicaLagTimeMaxMs;
    }

    /** Proposes removing followers that fell behind from the ISRs this broker leads. */
    void shrinkIsrs() {
        for (Partition p : hosted.get()) {
            try {
                p.maybeShrinkIsr(replicaLagTimeMaxMs);
            } catch (RuntimeException e) {
                log.warn("ISR check of {} failed", p.topicPartition(), e);
            }
        }
    }

    /** Writes every changed high watermark beside its log. */
    void checkpointHighWatermarks() {
        for (Partition p : hosted.get()) {
            try {
                if (p.log().failed()) {
                    // A background fsync failed (async flush policy): nothing else would notice.
                    health.fail(p.topicPartition() + ": a flush of its log failed", null);
                    return;
                }
                long hw = p.highWatermark();
                Long previous = checkpointed.put(p.topicPartition(), hw);
                if (previous == null || previous != hw) {
                    p.log().checkpointHighWatermark(hw);
                }
            } catch (RuntimeException e) {
                log.warn("High-watermark checkpoint of {} failed", p.topicPartition(), e);
                health.onError(p.topicPartition(), e);
            }
        }
    }

    /**
     * One pass of retention and compaction over every hosted log, leaders and followers alike
     * (each replica cleans its own copy, as in Kafka).
     */
    void maintainLogs() {
        if (health.offline()) {
            return;
        }
        for (Partition p : hosted.get()) {
            try {
                p.log().deleteOldSegments();
                // Only committed records may replace older ones: the uncommitted tail can be truncated.
                p.log().compact(p.highWatermark());
            } catch (RuntimeException e) {
                log.warn("Retention or compaction of {} failed: {}", p.topicPartition(), e.toString());
                health.onError(p.topicPartition(), e);
            }
        }
    }

    /** Forgets what was checkpointed for a partition no longer hosted. */
    void forget(TopicPartition tp) {
        checkpointed.remove(tp);
    }
}
