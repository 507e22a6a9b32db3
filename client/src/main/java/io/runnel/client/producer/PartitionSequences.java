package io.runnel.client.producer;

import io.runnel.client.common.TopicPartition;
import java.util.HashMap;
import java.util.Map;

/**
 * The idempotent producer's numbering per partition: the producer id and epoch a partition's
 * batches carry and the sequence of its next batch. A partition starts on the producer id the
 * cluster granted ({@link #producerIdGranted}), at sequence 0.
 *
 * <p>When a numbered batch fails for good (expired, or refused without a retry) the leader may or
 * may not have written it, so the sequence it expects next is unknown; going on with the next
 * number leaves a gap if it did not, and the leader then refuses every later batch with
 * OUT_OF_ORDER_SEQUENCE (issue 12). {@link #reset} moves that partition alone to the next epoch of
 * its producer id at sequence 0, which a leader accepts whatever it saw before, as Kafka's
 * idempotent producer bumps its epoch. The old epoch is fenced by that: a late copy of the failed
 * batch is refused with INVALID_PRODUCER_EPOCH instead of landing after newer records. Only the
 * failed partition moves, so batches of other partitions awaiting a retry keep their numbers and
 * stay deduplicated. An epoch that would pass {@link Short#MAX_VALUE} needs a new producer id:
 * the partition then waits for one ({@link #needsProducerId}).
 *
 * <p>With several batches of a partition in flight, batches numbered before a {@link #reset} keep
 * the old epoch: the producer renumbers one ({@link #stamp} again, in queue order) only once it
 * knows that batch was not written, and sends nothing of the new epoch while an old one is still
 * in flight ({@link #isCurrent} tells them apart).
 *
 * <p>Thread-safety: not thread-safe; the producer calls it under its lock.
 */
final class PartitionSequences {
    /** The numbers one batch carries. */
    record Stamp(long producerId, short producerEpoch, int baseSequence) {
    }

    /** Where a partition's numbering stands. */
    private record Numbering(long producerId, short producerEpoch, int nextSequence) {
    }

    private long grantedId = -1;
    private short grantedEpoch = -1;
    private final Map<TopicPartition, Numbering> partitions = new HashMap<>();

    /** True until the cluster grants an id to number partitions without one. */
    boolean needsProducerId() {
        return grantedId < 0;
    }

    void producerIdGranted(long producerId, short producerEpoch) {
        if (producerId < 0 || producerEpoch < 0) {
            throw new IllegalArgumentException("a granted producer id and epoch are >= 0, got " + producerId + "/" + producerEpoch);
        }
        grantedId = producerId;
        grantedEpoch = producerEpoch;
    }

    /** Whether {@link #stamp} can number a batch of {@code tp} now. */
    boolean canStamp(TopicPartition tp) {
        return grantedId >= 0 || partitions.containsKey(tp);
    }

    /**
     * Numbers the next batch of {@code tp}, of {@code recordCount} records.
     *
     * @throws IllegalStateException if {@link #canStamp} is false
     */
    Stamp stamp(TopicPartition tp, int recordCount) {
        Numbering n = partitions.get(tp);
        if (n == null) {
            if (grantedId < 0) {
                throw new IllegalStateException("no producer id to number " + tp + " with");
            }
            n = new Numbering(grantedId, grantedEpoch, 0);
        }
        long next = (long) n.nextSequence() + recordCount;
        partitions.put(tp, new Numbering(n.producerId(), n.producerEpoch(),
            (int) (next > Integer.MAX_VALUE ? next - Integer.MAX_VALUE - 1 : next)));
        return new Stamp(n.producerId(), n.producerEpoch(), n.nextSequence());
    }

    /** Whether {@code stamp} numbers a batch of {@code tp} in the partition's current producer id and epoch. */
    boolean isCurrent(TopicPartition tp, Stamp stamp) {
        Numbering n = partitions.get(tp);
        return n != null && n.producerId() == stamp.producerId() && n.producerEpoch() == stamp.producerEpoch();
    }

    /** A numbered batch of {@code tp} failed for good: its next batch starts a new epoch at sequence 0. */
    void reset(TopicPartition tp) {
        Numbering n = partitions.get(tp);
        if (n == null) {
            return;
        }
        if (n.producerEpoch() < Short.MAX_VALUE) {
            partitions.put(tp, new Numbering(n.producerId(), (short) (n.producerEpoch() + 1), 0));
            return;
        }
        partitions.remove(tp);
        if (grantedId == n.producerId()) {
            grantedId = -1; // its epochs are used up on tp: ask the cluster for another id
            grantedEpoch = -1;
        }
    }
}
