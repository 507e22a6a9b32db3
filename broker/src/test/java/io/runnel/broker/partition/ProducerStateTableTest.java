package io.runnel.broker.partition;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.runnel.log.MutableClock;
import io.runnel.log.ValidatedBatches.ProducerBatch;
import io.runnel.record.CompressionType;
import io.runnel.record.RecordBatch;
import io.runnel.record.RecordBatchBuilder;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The producer table stays within max.producers.per.partition (issue 14 item 6), and remembers
 * enough of each producer's batches to answer a pipelining producer's retries (issue 13 item 4).
 */
class ProducerStateTableTest {
    private long nextOffset;

    private RecordBatch written(ProducerStateTable table, long pid, int sequence) {
        RecordBatch batch = RecordBatch.of(new RecordBatchBuilder(CompressionType.NONE).producer(pid, (short) 0, sequence)
            .baseOffset(nextOffset++).append(1, null, new byte[] {1}).build());
        table.update(batch);
        return batch;
    }

    private static ProducerBatch retryOf(RecordBatch b) {
        return new ProducerBatch(b.producerId(), b.producerEpoch(), b.baseSequence(), b.lastSequence());
    }

    @Test
    void aFloodOfProducerIds_staysWithinTheBound_whileALiveProducerKeepsItsDuplicateDetection() {
        ProducerStateTable table = new ProducerStateTable(3, Partition.DEFAULT_PRODUCER_ID_EXPIRATION_MS, Clock.systemUTC());
        RecordBatch live = written(table, 1, 0);
        for (long pid = 100; pid < 10_100; pid++) {
            written(table, pid, 0);
            if (pid % 2 == 0) {
                live = written(table, 1, live.lastSequence() + 1); // the live producer keeps appending
            }
            assertEquals(Math.min(3, (int) (pid - 98)), table.producerCount());
        }
        assertEquals(3, table.producerCount());
        ProducerStateTable.Duplicate duplicate = assertInstanceOf(ProducerStateTable.Duplicate.class,
            table.check(retryOf(live)), "the live producer's retry is still recognised");
        assertEquals(live.baseOffset(), duplicate.firstOffset());
    }

    @Test
    void theLongestIdleProducerIsForgotten_andItsNextBatchIsAppendedAsANewProducers() {
        ProducerStateTable table = new ProducerStateTable(2, Partition.DEFAULT_PRODUCER_ID_EXPIRATION_MS, Clock.systemUTC());
        RecordBatch idle = written(table, 1, 0);
        written(table, 2, 0);
        assertInstanceOf(ProducerStateTable.Duplicate.class, table.check(retryOf(idle)));
        written(table, 3, 0);
        assertEquals(2, table.producerCount());
        // Forgotten: a retry is no longer recognised, and a gap is no longer refused (as after retention).
        assertInstanceOf(ProducerStateTable.Append.class, table.check(retryOf(idle)));
        assertInstanceOf(ProducerStateTable.Append.class, table.check(new ProducerBatch(1, (short) 0, 7, 7)));
        assertInstanceOf(ProducerStateTable.Duplicate.class, table.check(retryOf(written(table, 2, 1))));
    }

    @Test
    void aProducerIdleForProducerIdExpirationMs_isForgotten_whileAnActiveOneIsKept() {
        MutableClock clock = new MutableClock(1_700_000_000_000L);
        ProducerStateTable table = new ProducerStateTable(100, 60_000, clock);
        RecordBatch idle = written(table, 1, 0);
        RecordBatch active = written(table, 2, 0);
        clock.advance(40_000);
        active = written(table, 2, active.lastSequence() + 1);
        assertInstanceOf(ProducerStateTable.Duplicate.class, table.check(retryOf(idle)), "idle 40 s of 60: remembered");
        clock.advance(20_000);
        // Idle 60 s: forgotten, as a producer whose history retention removed (a retry or a gap is appended).
        assertInstanceOf(ProducerStateTable.Append.class, table.check(retryOf(idle)));
        assertInstanceOf(ProducerStateTable.Append.class, table.check(new ProducerBatch(1, (short) 0, 7, 7)));
        assertEquals(1, table.producerCount());
        assertInstanceOf(ProducerStateTable.Duplicate.class, table.check(retryOf(active)), "idle 20 s: remembered");
    }

    private RecordBatch written(ProducerStateTable table, long pid, int sequence, int records) {
        RecordBatchBuilder builder = new RecordBatchBuilder(CompressionType.NONE).producer(pid, (short) 0, sequence).baseOffset(nextOffset);
        for (int i = 0; i < records; i++) {
            builder.append(1, null, new byte[] {(byte) i});
        }
        RecordBatch batch = RecordBatch.of(builder.build());
        nextOffset += records;
        table.update(batch);
        return batch;
    }

    /**
     * A producer with max.in.flight=5 may resend any of its last 5 batches (their answers lost):
     * each is answered with its own original offsets, and a resend that overlaps one without
     * matching it, or one older than the window, is refused as a gap rather than written again.
     */
    @Test
    void anyOfTheLastFiveBatches_isADuplicate_withItsOriginalOffsets() {
        ProducerStateTable table = new ProducerStateTable(10, Partition.DEFAULT_PRODUCER_ID_EXPIRATION_MS, Clock.systemUTC());
        written(table, 9, 0, 2); // an older batch, out of the window once five more are written
        nextOffset += 3; // another producer's records in between
        List<RecordBatch> inFlight = new ArrayList<>();
        int sequence = 2;
        for (int i = 0; i < 5; i++) { // the producer's largest max.in.flight with idempotence
            inFlight.add(written(table, 9, sequence, i + 1));
            sequence += i + 1;
        }
        for (RecordBatch b : inFlight) {
            ProducerStateTable.Duplicate d = assertInstanceOf(ProducerStateTable.Duplicate.class, table.check(retryOf(b)),
                "a resend of sequences " + b.baseSequence() + ".." + b.lastSequence());
            assertEquals(b.baseOffset(), d.firstOffset());
            assertEquals(b.lastOffset(), d.lastOffset());
        }
        RecordBatch third = inFlight.get(2);
        assertThrows(PartitionException.OutOfOrderSequenceException.class, () -> table.check(
            new ProducerBatch(9, (short) 0, third.baseSequence(), third.lastSequence() + 1)), "same start, other end");
        assertThrows(PartitionException.OutOfOrderSequenceException.class, () -> table.check(
            new ProducerBatch(9, (short) 0, 0, 1)), "older than the last five batches");
        assertInstanceOf(ProducerStateTable.Append.class, table.check(new ProducerBatch(9, (short) 0, sequence, sequence + 3)),
            "the next batch in order");
    }
}
