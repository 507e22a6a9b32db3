package io.runnel.log;

import java.nio.ByteBuffer;

/**
 * A producer's batches for one partition, checked once before anything else looks at them:
 * framing, length, magic, CRC, codec, record count, and producer fields that agree with each other
 * ({@link #check}). The leader's later steps (the producer-state check, the min.insync.replicas
 * check, the append) take their values from here instead of reading headers again, so a corrupt
 * batch can never be mistaken for a duplicate or a gap.
 *
 * @param batches      whole batches from position to limit; the leader rewrites their base offsets
 *                     and leader epochs in place when it appends them
 * @param count        number of batches
 * @param maxTimestamp largest max-timestamp among them
 * @param producer     the idempotent producer's batch, or null if no batch carries a producer id
 */
public record ValidatedBatches(ByteBuffer batches, int count, long maxTimestamp, ProducerBatch producer) {

    /**
     * The producer fields of an idempotent producer's (single) batch, all checked {@code >= 0}.
     *
     * @param lastSequence sequence of its last record (wrapping as Kafka's does)
     */
    public record ProducerBatch(long producerId, short producerEpoch, int firstSequence, int lastSequence) {
    }

    /**
     * Checks a producer's batches.
     *
     * @throws IllegalArgumentException for an empty buffer, or more than one batch when one carries
     *                                  a producer id (an idempotent producer sends one per partition)
     * @throws io.runnel.record.CorruptBatchException naming the first fault, including a producer id
     *                                  with epoch or sequence -1
     */
    public static ValidatedBatches check(ByteBuffer batches) {
        return BatchValidation.validateFromProducer(batches);
    }
}
