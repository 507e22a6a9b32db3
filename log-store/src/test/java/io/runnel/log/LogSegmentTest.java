package io.runnel.log;

import static io.runnel.log.TestBatches.batch;
import static io.runnel.log.TestBatches.records;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runnel.record.Record;
import io.runnel.record.RecordBatch;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One segment on real temp files, below the log: appends of batches with assigned offsets, reads
 * and offset lookups, truncation inside a batch, recovery of a damaged tail, and the header scans.
 */
class LogSegmentTest {
    private static final long BASE = 100;
    /** Records per batch: batch i holds offsets BASE + 3i .. BASE + 3i + 2, timestamp 1000 + i. */
    private static final int PER_BATCH = 3;
    private static final int EPOCH = 7;

    @TempDir
    Path tmp;
    private final List<LogSegment> opened = new ArrayList<>();
    private final LogConfig config = LogTestBase.smallConfig(Map.of(LogConfig.SEGMENT_BYTES, "1048576"));

    @AfterEach
    void closeSegments() {
        opened.forEach(LogSegment::close);
    }

    private LogSegment open() {
        LogSegment segment = LogSegment.open(tmp, BASE, config, true, 0);
        opened.add(segment);
        return segment;
    }

    /** Appends {@code count} batches of PER_BATCH records, offsets assigned from BASE, epoch 7, 200-byte values. */
    private static void appendBatches(LogSegment segment, int count) {
        for (int i = 0; i < count; i++) {
            ByteBuffer b = batch(i * PER_BATCH, PER_BATCH, 1000 + i, 200);
            RecordBatch.of(b).baseOffset(BASE + (long) i * PER_BATCH);
            RecordBatch.of(b).partitionLeaderEpoch(EPOCH);
            segment.append(b, 0);
        }
    }

    /** File position of batch {@code i}. */
    private static int positionOf(LogSegment segment, int i) {
        return segment.translateOffset(BASE + (long) i * PER_BATCH, segment.sizeInBytes()).position();
    }

    @Test
    void read_fromAnyOffset_startsWithTheWholeBatchHoldingIt() {
        // 20 batches of ~700 bytes with a 256-byte index interval: lookups go through the index.
        LogSegment segment = open();
        appendBatches(segment, 20);
        for (long offset = BASE; offset < BASE + 20 * PER_BATCH; offset++) {
            FileSlice slice = segment.read(offset, 1, segment.sizeInBytes(), true);
            List<Record> got = records(slice.toByteBuffer());
            long batchBase = BASE + (offset - BASE) / PER_BATCH * PER_BATCH;
            assertEquals(batchBase, got.get(0).offset(), "read from " + offset);
            assertEquals(PER_BATCH, got.size(), "minOneBatch returns exactly the first batch");
        }
        assertNull(segment.read(BASE + 20 * PER_BATCH, 1000, segment.sizeInBytes(), true), "nothing past the end");
        assertEquals(BASE + 20 * PER_BATCH, segment.readNextOffset());
    }

    @Test
    void read_stopsAtMaxBytesAndMaxPosition_withWholeBatches() {
        LogSegment segment = open();
        appendBatches(segment, 10);
        int firstSize = positionOf(segment, 1);
        assertEquals(2 * PER_BATCH, records(segment.read(BASE, positionOf(segment, 2) + 10, segment.sizeInBytes(), true)
            .toByteBuffer()).size());
        assertEquals(0, segment.read(BASE, firstSize - 1, segment.sizeInBytes(), false).size(),
            "without minOneBatch a batch larger than maxBytes is not returned");
        assertEquals(firstSize, segment.read(BASE, firstSize - 1, segment.sizeInBytes(), true).size(),
            "with minOneBatch it is, whole");
        assertEquals(3 * PER_BATCH, records(segment.read(BASE, Integer.MAX_VALUE, positionOf(segment, 3), true)
            .toByteBuffer()).size(), "nothing at or past maxPosition");
    }

    /**
     * The last appended batch answers reads at the tail without reading headers; every answer is the
     * one the header scan gives, for each offset and each visible end (a reader holding an older
     * size), also after a truncation (when the last batch is not known until the next append).
     */
    @Test
    void translateOffset_atTheTail_agreesWithTheHeaderScan_forEveryOffsetAndEnd() {
        LogSegment segment = open();
        appendBatches(segment, 6);
        assertTranslationsAgree(segment);
        assertEquals(new LogSegment.BatchPosition(BASE + 15, BASE + 17, positionOf(segment, 5),
            segment.sizeInBytes() - positionOf(segment, 5)), segment.lastBatch);

        segment.truncateTo(BASE + 4 * PER_BATCH);
        assertNull(segment.lastBatch, "a cut segment's last batch is not known");
        assertNull(segment.translateOffset(BASE + 4 * PER_BATCH, segment.sizeInBytes()), "the removed batches are gone");
        assertTranslationsAgree(segment);

        ByteBuffer b = batch(0, 2, 2000, 50);
        RecordBatch.of(b).baseOffset(BASE + 4 * PER_BATCH);
        segment.append(b, 0);
        assertEquals(BASE + 4 * PER_BATCH + 1, segment.lastBatch.lastOffset());
        assertTranslationsAgree(segment);
    }

    private static void assertTranslationsAgree(LogSegment segment) {
        List<Integer> ends = new ArrayList<>(List.of(0, 1));
        int[] end = {0};
        segment.forEachBatchHeader(h -> {
            end[0] += h.sizeInBytes();
            ends.add(end[0]); // where each batch ends (the last: the segment's size)
            ends.add(end[0] - 1); // and one byte short of it
        });
        for (int e : ends) {
            for (long offset = BASE - 1; offset < BASE + 7 * PER_BATCH; offset++) {
                assertEquals(segment.scanForOffset(offset, e), segment.translateOffset(offset, e),
                    "offset " + offset + " below position " + e);
            }
        }
    }

    @Test
    void truncateTo_insideABatch_removesItWhole_andRecomputesTheMaxTimestamp() {
        LogSegment segment = open();
        appendBatches(segment, 10);
        int fifth = positionOf(segment, 4);
        long firstRemoved = segment.truncateTo(BASE + 4 * PER_BATCH + 1);
        assertEquals(BASE + 4 * PER_BATCH, firstRemoved);
        assertEquals(fifth, segment.sizeInBytes());
        assertEquals(1003, segment.largestTimestamp(), "max timestamp of what is left");
        assertEquals(BASE + 4 * PER_BATCH, segment.readNextOffset());
        assertEquals(Long.MAX_VALUE, segment.truncateTo(BASE + 100), "nothing at or above: nothing removed");
        segment.sanityCheckIndexes();
        assertEquals(BASE, segment.truncateTo(BASE));
        assertEquals(0, segment.sizeInBytes());
        assertEquals(-1, segment.rollingBaseTimeMs(), "an emptied segment restarts its segment.ms timer");
    }

    @Test
    void recover_cutsAGarbageTail_rebuildsIndexes_andRecordsEpochs() throws Exception {
        LogSegment segment = open();
        appendBatches(segment, 10);
        int validBytes = segment.sizeInBytes();
        segment.close();
        opened.remove(segment);
        // A torn write: garbage after the last whole batch.
        try (FileChannel ch = FileChannel.open(LogFiles.logFile(tmp, BASE), StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13}), validBytes);
        }
        LogSegment reopened = open();
        LeaderEpochCache epochs = new LeaderEpochCache(new CheckpointFile(tmp.resolve("epochs")), List.of(),
            () -> BASE + 10 * PER_BATCH);
        LogSegment.RecoveryResult result = reopened.recover(epochs);
        assertEquals(13, result.truncatedBytes());
        assertEquals(validBytes, result.validBytes());
        assertEquals(BASE + 10 * PER_BATCH, result.nextOffset());
        assertEquals(validBytes, reopened.sizeInBytes());
        assertEquals(1009, reopened.largestTimestamp());
        assertEquals(EPOCH, epochs.latestEpoch(), "the batches' epoch was recorded");
        reopened.sanityCheckIndexes();
        assertEquals(BASE + 7 * PER_BATCH, records(reopened.read(BASE + 7 * PER_BATCH, 1, validBytes, true)
            .toByteBuffer()).get(0).offset());
    }

    @Test
    void headerScans_findTheOffsetForATimestamp_andVisitEveryBatch() {
        LogSegment segment = open();
        appendBatches(segment, 10);
        assertEquals(Optional.of(new TimestampOffset(1005, BASE + 5 * PER_BATCH)),
            segment.findOffsetByTimestamp(1005, BASE));
        assertEquals(Optional.of(new TimestampOffset(1005, BASE + 5 * PER_BATCH + 1)),
            segment.findOffsetByTimestamp(1005, BASE + 5 * PER_BATCH + 1), "a record, not before startingOffset");
        assertEquals(Optional.of(new TimestampOffset(1006, BASE + 6 * PER_BATCH)),
            segment.findOffsetByTimestamp(1006, BASE), "the first record of the first batch that new");
        assertEquals(Optional.empty(), segment.findOffsetByTimestamp(2000, BASE));
        List<Long> bases = new ArrayList<>();
        segment.forEachBatchHeader(b -> bases.add(b.baseOffset()));
        assertEquals(10, bases.size());
        assertEquals(BASE + 9 * PER_BATCH, bases.get(9));
        assertTrue(bases.stream().allMatch(b -> (b - BASE) % PER_BATCH == 0));
    }
}
