package io.runnel.log;

import static io.runnel.log.TestBatches.batch;
import static io.runnel.log.TestBatches.concat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.runnel.log.ValidatedBatches.ProducerBatch;
import io.runnel.record.CompressionType;
import io.runnel.record.CorruptBatchException.CrcMismatchException;
import io.runnel.record.CorruptBatchException.InvalidProducerFieldsException;
import io.runnel.record.RecordBatch;
import io.runnel.record.RecordBatchBuilder;
import io.runnel.record.RecordBatchLayout;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** One validation of a producer's batches, producer fields included (issue 12 item 7). */
class ValidatedBatchesTest {

    private static ByteBuffer idempotent(long pid, short epoch, int sequence, int records) {
        RecordBatchBuilder builder = new RecordBatchBuilder(CompressionType.NONE).producer(1, (short) 0, 0);
        for (int i = 0; i < records; i++) {
            builder.append(100 + i, null, ("v" + i).getBytes());
        }
        ByteBuffer batch = builder.build();
        // The builder refuses -1s; a hand-made or buggy client's batch need not.
        batch.putLong(RecordBatchLayout.PRODUCER_ID_OFFSET, pid);
        batch.putShort(RecordBatchLayout.PRODUCER_EPOCH_OFFSET, epoch);
        batch.putInt(RecordBatchLayout.BASE_SEQUENCE_OFFSET, sequence);
        batch.putInt(RecordBatchLayout.CRC_OFFSET, (int) RecordBatch.of(batch).computeCrc());
        return batch;
    }

    @Test
    void anIdempotentBatch_carriesItsProducerFields() {
        ValidatedBatches v = ValidatedBatches.check(idempotent(7, (short) 2, 40, 3));
        assertEquals(new ProducerBatch(7, (short) 2, 40, 42), v.producer());
        assertEquals(1, v.count());
        assertEquals(102, v.maxTimestamp());
    }

    @Test
    void batchesWithoutAProducer_mayBeMany() {
        ValidatedBatches v = ValidatedBatches.check(concat(batch(0, 2, 10), batch(2, 1, 30)));
        assertNull(v.producer());
        assertEquals(2, v.count());
        assertEquals(30, v.maxTimestamp());
    }

    @Test
    void aProducerIdWithoutEpochOrSequence_isCorrupt() {
        assertThrows(InvalidProducerFieldsException.class, () -> ValidatedBatches.check(idempotent(7, (short) 0, -1, 1)));
        assertThrows(InvalidProducerFieldsException.class, () -> ValidatedBatches.check(idempotent(7, (short) -1, 0, 1)));
        assertThrows(InvalidProducerFieldsException.class, () -> ValidatedBatches.check(idempotent(-5, (short) 0, 0, 1)));
    }

    @Test
    void aCorruptBatch_failsOnItsCrc_whateverItsProducerFields() {
        ByteBuffer batch = idempotent(7, (short) 0, 0, 2);
        batch.put(batch.limit() - 1, (byte) (batch.get(batch.limit() - 1) ^ 1));
        assertThrows(CrcMismatchException.class, () -> ValidatedBatches.check(batch));
    }

    @Test
    void anIdempotentProducer_sendsOneBatchPerPartition() {
        assertThrows(IllegalArgumentException.class,
            () -> ValidatedBatches.check(concat(batch(0, 1, 10), idempotent(7, (short) 0, 0, 1))));
    }
}
