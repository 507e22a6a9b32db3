package io.runnel.log;

import io.runnel.log.ValidatedBatches.ProducerBatch;
import io.runnel.record.CorruptBatchException;
import io.runnel.record.CorruptBatchException.InvalidProducerFieldsException;
import io.runnel.record.RecordBatch;
import io.runnel.record.RecordBatchLayout;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * Checks a buffer of incoming batches before any of it is appended, so a bad batch anywhere in a
 * request leaves the log untouched. Header and CRC checks only: records are not decompressed.
 */
final class BatchValidation {
    private BatchValidation() {
    }

    /**
     * @param fromProducer a producer's batches must hold at least one record and number them
     *                     0..count-1; a follower's copies must have offsets that increase
     * @throws IllegalArgumentException if the buffer is empty
     * @throws CorruptBatchException    naming the first fault: truncation, length, magic, CRC,
     *                                  codec, or a record count that contradicts the header
     * @throws InvalidOffsetException   if a follower's batches go backwards
     */
    static void validate(ByteBuffer batches, boolean fromProducer, Path dir) {
        if (!batches.hasRemaining()) {
            throw new IllegalArgumentException("nothing to append: the buffer holds no batch");
        }
        RecordBatch batch = new RecordBatch();
        long previousNext = -1;
        for (int at = batches.position(); at < batches.limit(); ) {
            long position = at - batches.position();
            int size = RecordBatch.validateFraming(batches, at, batches.limit() - at, position);
            batch.wrap(batches, at, position);
            batch.validate();
            if (fromProducer && (batch.recordCount() <= 0 || batch.lastOffsetDelta() != batch.recordCount() - 1)) {
                throw new CorruptBatchException.RecordCountMismatchException(position, batch.recordCount(),
                    batch.lastOffsetDelta() + 1, "its last offset delta says " + (batch.lastOffsetDelta() + 1));
            }
            if (!fromProducer && (batch.lastOffsetDelta() < 0 || batch.baseOffset() < previousNext)) {
                throw new InvalidOffsetException("Batch offsets must increase in " + dir, batch.baseOffset(), previousNext);
            }
            previousNext = batch.nextOffset();
            at += size;
        }
    }

    /**
     * {@link #validate} for a producer's batches, plus the producer fields: a producer id of -1
     * means none; any other id must be >= 0 and come with an epoch and a base sequence >= 0.
     */
    static ValidatedBatches validateFromProducer(ByteBuffer batches) {
        validate(batches, true, null);
        RecordBatch batch = new RecordBatch();
        int count = 0;
        long maxTimestamp = -1;
        ProducerBatch producer = null;
        for (int at = batches.position(); at < batches.limit(); at += batch.sizeInBytes()) {
            long position = at - batches.position();
            batch.wrap(batches, at, position);
            count++;
            maxTimestamp = Math.max(maxTimestamp, batch.maxTimestamp());
            long pid = batch.producerId();
            if (pid == RecordBatchLayout.NO_PRODUCER_ID) {
                continue;
            }
            if (pid < 0 || batch.producerEpoch() < 0 || batch.baseSequence() < 0) {
                throw new InvalidProducerFieldsException(position, pid, batch.producerEpoch(), batch.baseSequence());
            }
            producer = new ProducerBatch(pid, batch.producerEpoch(), batch.baseSequence(), batch.lastSequence());
        }
        if (producer != null && count != 1) {
            throw new IllegalArgumentException("an idempotent producer sends one batch per partition per request, got " + count);
        }
        return new ValidatedBatches(batches, count, maxTimestamp, producer);
    }
}
