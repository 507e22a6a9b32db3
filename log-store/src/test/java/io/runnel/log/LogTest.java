package io.runnel.log;

import static io.runnel.log.TestBatches.batch;
import static io.runnel.log.TestBatches.concat;
import static io.runnel.log.TestBatches.label;
import static io.runnel.log.TestBatches.readAll;
import static io.runnel.log.TestBatches.records;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runnel.record.CorruptBatchException;
import io.runnel.record.Record;
import io.runnel.record.RecordBatch;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class LogTest extends LogTestBase {

    @Test
    void appendAsLeader_assignsOffsetsAndStampsEpochInPlace() {
        Log log = open(smallConfig(Map.of()));
        ByteBuffer first = batch(0, 3, 1000);
        ByteBuffer second = batch(3, 2, 1001);
        LogAppendInfo a = log.appendAsLeader(first, 7);
        LogAppendInfo b = log.appendAsLeader(second, 7);

        assertEquals(0, a.firstOffset());
        assertEquals(2, a.lastOffset());
        assertEquals(3, b.firstOffset());
        assertEquals(4, b.lastOffset());
        assertEquals(5, log.logEndOffset());
        RecordBatch stamped = RecordBatch.of(second);
        assertEquals(3, stamped.baseOffset());
        assertEquals(7, stamped.partitionLeaderEpoch());
        stamped.validate(); // the rewrite left the CRC valid
        assertEquals(List.of(new EpochEntry(7, 0)), log.leaderEpochCache().entries());
    }

    @Test
    void appendAsLeader_manyBatchesInOneCall() {
        Log log = open(smallConfig(Map.of()));
        LogAppendInfo info = log.appendAsLeader(concat(batch(0, 2, 10), batch(2, 3, 20), batch(5, 1, 15)), 0);
        assertEquals(0, info.firstOffset());
        assertEquals(5, info.lastOffset());
        assertEquals(3, info.batches());
        assertEquals(20, info.maxTimestamp());
        List<Record> all = readAll(log, 0, 1 << 20);
        assertEquals(6, all.size());
        for (int i = 0; i < 6; i++) {
            assertEquals(i, all.get(i).offset());
            assertEquals("v" + i, label(all.get(i).value()));
        }
    }

    @Test
    void appendAsLeader_corruptBatch_refusedAndNothingWritten() {
        Log log = open(smallConfig(Map.of()));
        log.appendAsLeader(batch(0, 1, 10), 0);
        ByteBuffer good = batch(1, 1, 10);
        ByteBuffer bad = batch(2, 1, 10);
        bad.put(bad.limit() - 1, (byte) (bad.get(bad.limit() - 1) ^ 1));
        assertThrows(CorruptBatchException.CrcMismatchException.class, () -> log.appendAsLeader(concat(good, bad), 0));
        ByteBuffer cut = batch(3, 1, 10);
        cut.limit(cut.limit() - 1);
        assertThrows(CorruptBatchException.TruncatedBatchException.class, () -> log.appendAsLeader(cut, 0));
        assertThrows(IllegalArgumentException.class, () -> log.appendAsLeader(ByteBuffer.allocate(0), 0));
        assertThrows(IllegalArgumentException.class, () -> log.appendAsLeader(batch(0, 1, 1), -1));
        assertEquals(1, log.logEndOffset());
        assertEquals(1, readAll(log, 0, 1 << 20).size());
    }

    @Test
    void appendAsFollower_keepsOffsetsAndEpochs_refusesGoingBackwards() {
        Log leader = Log.open(tmp.resolve("leader"), smallConfig(Map.of()), clock, scheduler);
        Log follower = open(smallConfig(Map.of()));
        try {
            leader.appendAsLeader(batch(0, 2, 10), 1);
            leader.appendAsLeader(batch(2, 2, 10), 3);
            ByteBuffer copied = leader.read(0, 1 << 20, Long.MAX_VALUE, true).records().toByteBuffer();
            follower.appendAsFollower(copied.duplicate());
            assertEquals(4, follower.logEndOffset());
            assertEquals(List.of(new EpochEntry(1, 0), new EpochEntry(3, 2)), follower.leaderEpochCache().entries());
            assertThrows(InvalidOffsetException.class, () -> follower.appendAsFollower(copied.duplicate()));
            assertEquals(4, follower.logEndOffset());
        } finally {
            leader.close();
        }
    }

    @Test
    void read_respectsMaxBytesWithWholeBatches_andMinOneBatch() {
        Log log = open(smallConfig(Map.of(LogConfig.SEGMENT_BYTES, "1048576")));
        int batchSize = batch(0, 1, 10, 200).remaining();
        for (int i = 0; i < 20; i++) {
            log.appendAsLeader(batch(i, 1, 10, 200), 0);
        }
        LogReadInfo read = log.read(0, batchSize * 3 + batchSize / 2, Long.MAX_VALUE, true);
        assertEquals(batchSize * 3, read.records().size());
        assertEquals(3, records(read.records().toByteBuffer()).size());

        LogReadInfo tiny = log.read(5, 10, Long.MAX_VALUE, true);
        assertEquals(batchSize, tiny.records().size());
        assertEquals(5, records(tiny.records().toByteBuffer()).get(0).offset());
        assertEquals(0, log.read(5, 10, Long.MAX_VALUE, false).records().size());
    }

    @Test
    void read_stopsBeforeMaxOffset() {
        Log log = open(smallConfig(Map.of()));
        for (int i = 0; i < 10; i++) {
            log.appendAsLeader(batch(i, 1, 10), 0);
        }
        List<Record> belowHighWatermark = records(log.read(0, 1 << 20, 6, true).records().toByteBuffer());
        assertEquals(6, belowHighWatermark.size());
        assertEquals(5, belowHighWatermark.get(5).offset());
        assertEquals(0, log.read(6, 1 << 20, 6, true).records().size());
    }

    @Test
    void read_outOfRange() {
        Log log = open(smallConfig(Map.of()));
        log.appendAsLeader(batch(0, 2, 10), 0);
        assertEquals(0, log.read(2, 100, Long.MAX_VALUE, true).records().size());
        OffsetOutOfRangeException e = assertThrows(OffsetOutOfRangeException.class,
            () -> log.read(3, 100, Long.MAX_VALUE, true));
        assertEquals(2, e.logEndOffset());
        assertThrows(OffsetOutOfRangeException.class, () -> log.read(-1, 100, Long.MAX_VALUE, true));
        assertThrows(IllegalArgumentException.class, () -> log.read(0, -1, Long.MAX_VALUE, true));
    }

    @Test
    void read_fromTheMiddleOfABatch_returnsTheWholeBatch() {
        Log log = open(smallConfig(Map.of()));
        log.appendAsLeader(batch(0, 5, 10), 0);
        List<Record> got = records(log.read(3, 1 << 20, Long.MAX_VALUE, true).records().toByteBuffer());
        assertEquals(0, got.get(0).offset());
        assertEquals(5, got.size());
    }

    @Test
    void roll_onSegmentBytes_readsSpanSegments() throws Exception {
        Log log = open(smallConfig(Map.of()));
        for (int i = 0; i < 100; i++) {
            log.appendAsLeader(batch(i, 1, 10, 100), 0);
        }
        assertTrue(log.numberOfSegments() > 3, "segments: " + log.numberOfSegments());
        for (long base : log.segmentBaseOffsets()) {
            assertTrue(Files.exists(LogFiles.logFile(dir(), base)));
            assertTrue(Files.size(LogFiles.logFile(dir(), base)) <= 4096 || base == log.segmentBaseOffsets().get(0));
        }
        List<Record> all = readAll(log, 0, 1000);
        assertEquals(100, all.size());
        for (int i = 0; i < 100; i++) {
            assertEquals(i, all.get(i).offset());
            assertEquals("v" + i, label(all.get(i).value()));
        }
    }

    @Test
    void roll_onSegmentMs() {
        Log log = open(smallConfig(Map.of(LogConfig.SEGMENT_MS, "1000")));
        log.appendAsLeader(batch(0, 1, 10), 0);
        clock.advance(999);
        log.appendAsLeader(batch(1, 1, 10), 0);
        assertEquals(1, log.numberOfSegments());
        clock.advance(1);
        log.appendAsLeader(batch(2, 1, 10), 0);
        assertEquals(List.of(0L, 2L), log.segmentBaseOffsets());
    }

    @Test
    void roll_whenIndexFull() {
        // 48 bytes of index: 6 offset entries or 4 time entries.
        Log log = open(smallConfig(Map.of(LogConfig.SEGMENT_INDEX_BYTES, "48", LogConfig.INDEX_INTERVAL_BYTES, "0",
            LogConfig.SEGMENT_BYTES, "1048576")));
        for (int i = 0; i < 30; i++) {
            log.appendAsLeader(batch(i, 1, 10 + i), 0);
        }
        assertTrue(log.numberOfSegments() >= 5, "segments: " + log.numberOfSegments());
        assertEquals(30, readAll(log, 0, 1 << 20).size());
    }

    @Test
    void retention_bytes_deletesOldestSealedSegments_neverTheActiveOne() {
        Log log = open(smallConfig(Map.of(LogConfig.RETENTION_BYTES, "8192")));
        for (int i = 0; i < 200; i++) {
            log.appendAsLeader(batch(i, 1, 10, 100), 0);
        }
        int before = log.numberOfSegments();
        int deleted = log.deleteOldSegments();
        assertTrue(deleted > 0);
        assertEquals(before - deleted, log.numberOfSegments());
        assertTrue(log.sizeInBytes() <= 8192 + 4096, "size " + log.sizeInBytes());
        assertEquals(log.segmentBaseOffsets().get(0), log.logStartOffset());
        List<Record> rest = readAll(log, log.logStartOffset(), 1 << 20);
        assertEquals(200 - log.logStartOffset(), rest.size());
        assertThrows(OffsetOutOfRangeException.class, () -> log.read(0, 100, Long.MAX_VALUE, true));
        for (long base = 0; base < log.logStartOffset(); base++) {
            assertFalse(Files.exists(LogFiles.logFile(dir(), base)));
        }

        Log single = Log.open(tmp.resolve("single"), smallConfig(Map.of(LogConfig.RETENTION_BYTES, "0")), clock, scheduler);
        single.appendAsLeader(batch(0, 1, 10), 0);
        assertEquals(0, single.deleteOldSegments());
        single.close();
    }

    @Test
    void retention_ms_deletesSegmentsWhoseNewestRecordIsOld() {
        Log log = open(smallConfig(Map.of(LogConfig.RETENTION_MS, "60000")));
        long now = clock.millis();
        for (int i = 0; i < 60; i++) {
            log.appendAsLeader(batch(i, 1, now - 120_000, 100), 0);
        }
        log.roll();
        for (int i = 60; i < 70; i++) {
            log.appendAsLeader(batch(i, 1, now, 100), 0);
        }
        log.roll();
        log.appendAsLeader(batch(70, 1, now - 120_000, 100), 0); // old timestamp, but in the active segment
        assertTrue(log.deleteOldSegments() > 0);
        assertEquals(60, log.logStartOffset());
        assertEquals(0, log.deleteOldSegments());
        clock.advance(61_000);
        log.deleteOldSegments();
        assertEquals(70, log.logStartOffset(), "the active segment stays");
    }

    @Test
    void retention_movesEpochHistoryStart() {
        Log log = open(smallConfig(Map.of(LogConfig.RETENTION_BYTES, "0")));
        for (int i = 0; i < 100; i++) {
            log.appendAsLeader(batch(i, 1, 10, 100), i < 50 ? 1 : 2);
        }
        log.deleteOldSegments();
        List<EpochEntry> history = log.leaderEpochCache().entries();
        assertTrue(history.get(0).startOffset() >= log.logStartOffset() || history.size() == 1);
        assertEquals(2, history.get(history.size() - 1).epoch());
    }

    @Test
    void offsetForTimestamp_findsFirstRecordAtOrAfter() {
        Log log = open(smallConfig(Map.of()));
        // Timestamps 1000, 1010, ... with one producer-reordered batch.
        for (int i = 0; i < 100; i++) {
            long ts = i == 50 ? 500 : 1000 + 10L * i;
            log.appendAsLeader(batch(i, 1, ts, 50), 0);
        }
        assertEquals(Optional.of(new TimestampOffset(1000, 0)), log.offsetForTimestamp(0));
        assertEquals(Optional.of(new TimestampOffset(1000, 0)), log.offsetForTimestamp(1000));
        assertEquals(Optional.of(new TimestampOffset(1010, 1)), log.offsetForTimestamp(1001));
        assertEquals(Optional.of(new TimestampOffset(1700, 70)), log.offsetForTimestamp(1695));
        assertEquals(Optional.of(new TimestampOffset(1990, 99)), log.offsetForTimestamp(1990));
        assertEquals(Optional.empty(), log.offsetForTimestamp(1991));
    }

    @Test
    void truncateTo_removesTailAcrossSegments_thenAppendsContinue() {
        Log log = open(smallConfig(Map.of()));
        for (int i = 0; i < 100; i++) {
            log.appendAsLeader(batch(i, 1, 10, 100), i < 60 ? 1 : 2);
        }
        log.truncateTo(42);
        assertEquals(42, log.logEndOffset());
        assertEquals(List.of(new EpochEntry(1, 0)), log.leaderEpochCache().entries());
        assertTrue(log.segmentBaseOffsets().stream().allMatch(b -> b < 42));
        log.appendAsLeader(batch(42, 1, 10), 3);
        List<Record> all = readAll(log, 0, 1 << 20);
        assertEquals(43, all.size());
        assertEquals(42, all.get(42).offset());
        assertEquals("v42", label(all.get(42).value()));
        log.truncateTo(1000); // past the end: nothing happens
        assertEquals(43, log.logEndOffset());
        assertThrows(IllegalArgumentException.class, () -> log.truncateTo(-1));
    }

    /**
     * Issue 12 item 3: a replica that became leader in epoch 2 and wrote nothing has an epoch entry
     * starting exactly at its log end. Truncating there removes no bytes but must drop the entry,
     * else the replica keeps naming epoch 2 as its last fetched epoch and diverges forever.
     */
    @Test
    void truncateTo_atTheLogEnd_dropsAnEpochEntryStartingThere() {
        Log log = open(smallConfig(Map.of()));
        log.appendAsLeader(batch(0, 3, 10), 1);
        log.leaderEpochCache().assign(2, 3); // leader in epoch 2 from offset 3, nothing written
        assertEquals(List.of(new EpochEntry(1, 0), new EpochEntry(2, 3)), log.leaderEpochCache().entries());

        log.truncateTo(3);
        assertEquals(3, log.logEndOffset(), "no bytes removed");
        assertEquals(List.of(new EpochEntry(1, 0)), log.leaderEpochCache().entries());
        assertEquals(1, log.leaderEpochCache().latestEpoch());

        log.truncateTo(5); // past the end: nothing to drop, nothing changes
        assertEquals(List.of(new EpochEntry(1, 0)), log.leaderEpochCache().entries());
    }

    @Test
    void truncateTo_zeroOnAnEmptyLog_dropsAnEpochEntryAtZero() {
        Log log = open(smallConfig(Map.of()));
        log.leaderEpochCache().assign(4, 0); // an empty partition this replica once led
        log.truncateTo(0);
        assertEquals(List.of(), log.leaderEpochCache().entries());
        assertEquals(-1, log.leaderEpochCache().latestEpoch());
    }

    @Test
    void truncateTo_insideABatch_removesTheWholeBatch() {
        Log log = open(smallConfig(Map.of()));
        log.appendAsLeader(batch(0, 5, 10), 0);
        log.appendAsLeader(batch(5, 5, 10), 0);
        log.truncateTo(7);
        assertEquals(5, log.logEndOffset());
    }

    @Test
    void truncateFullyAndStartAt_restartsEmpty() {
        Log log = open(smallConfig(Map.of()));
        for (int i = 0; i < 50; i++) {
            log.appendAsLeader(batch(i, 1, 10, 100), 0);
        }
        log.truncateFullyAndStartAt(1000);
        assertEquals(1000, log.logStartOffset());
        assertEquals(1000, log.logEndOffset());
        assertEquals(List.of(1000L), log.segmentBaseOffsets());
        log.appendAsLeader(batch(0, 1, 10), 1);
        assertEquals(1000, readAll(log, 1000, 1 << 20).get(0).offset());
    }

    @Test
    void leaderEpochEndOffsets_forDivergence() {
        Log log = open(smallConfig(Map.of()));
        log.appendAsLeader(batch(0, 10, 10), 1);
        log.appendAsLeader(batch(10, 5, 10), 3);
        log.appendAsLeader(batch(15, 5, 10), 5);
        LeaderEpochCache epochs = log.leaderEpochCache();
        assertEquals(new EpochEndOffset(1, 10), epochs.endOffsetFor(1));
        assertEquals(new EpochEndOffset(1, 10), epochs.endOffsetFor(2));
        assertEquals(new EpochEndOffset(3, 15), epochs.endOffsetFor(4));
        assertEquals(new EpochEndOffset(5, 20), epochs.endOffsetFor(5));
        assertEquals(new EpochEndOffset(5, 20), epochs.endOffsetFor(9));
        assertEquals(EpochEndOffset.UNDEFINED, epochs.endOffsetFor(0));
    }

    @Test
    void closeAndReopen_keepsEverything_withoutRecovery() {
        Log log = open(smallConfig(Map.of()));
        for (int i = 0; i < 100; i++) {
            log.appendAsLeader(batch(i, 1, 1000 + i, 100), i / 30);
        }
        List<Long> bases = log.segmentBaseOffsets();
        log.close();
        Log reopened = open(smallConfig(Map.of()));
        assertTrue(reopened.recoveryReport().cleanShutdown());
        assertEquals(0, reopened.recoveryReport().segmentsRecovered());
        assertEquals(bases, reopened.segmentBaseOffsets());
        assertEquals(100, reopened.logEndOffset());
        assertEquals(100, reopened.recoveryPoint());
        assertEquals(log.leaderEpochCache().entries(), reopened.leaderEpochCache().entries());
        assertEquals(100, readAll(reopened, 0, 1 << 20).size());
        assertEquals(Optional.of(new TimestampOffset(1050, 50)), reopened.offsetForTimestamp(1050));
        reopened.appendAsLeader(batch(100, 1, 2000), 4);
        assertEquals(101, readAll(reopened, 0, 1 << 20).size());
    }

    @Test
    void flushPolicy_sync_advancesRecoveryPointOnEveryAppend() {
        Log log = open(smallConfig(Map.of(LogConfig.FLUSH_POLICY, "sync")));
        log.appendAsLeader(batch(0, 3, 10), 0);
        assertEquals(3, log.recoveryPoint());
        log.appendAsLeader(batch(3, 3, 10), 0);
        assertEquals(6, log.recoveryPoint());
    }

    @Test
    void flushPolicy_async_flushesByBytesInTheBackground() {
        Log log = open(smallConfig(Map.of(LogConfig.FLUSH_INTERVAL_BYTES, "1000", LogConfig.FLUSH_INTERVAL_MS, "3600000",
            LogConfig.SEGMENT_BYTES, "1048576")));
        log.appendAsLeader(batch(0, 1, 10), 0);
        assertEquals(0, log.recoveryPoint(), "below the byte threshold nothing is flushed");
        log.appendAsLeader(batch(1, 1, 10, 2000), 0);
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
            .until(() -> log.recoveryPoint() == 2);
    }

    @Test
    void flushPolicy_async_flushesByInterval() {
        Log log = open(smallConfig(Map.of(LogConfig.FLUSH_INTERVAL_MS, "20")));
        log.appendAsLeader(batch(0, 4, 10), 0);
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
            .until(() -> log.recoveryPoint() == 4);
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() ->
            Files.readAllLines(dir().resolve(LogFiles.RECOVERY_POINT_FILE)).equals(List.of("0", "1", "4")));
    }

    @Test
    void open_refusesAnUnusableDirectory() throws Exception {
        Files.writeString(tmp.resolve("file"), "not a directory");
        assertThrows(java.io.UncheckedIOException.class,
            () -> Log.open(tmp.resolve("file"), smallConfig(Map.of()), clock, scheduler));
    }

    @Test
    void highWatermarkCheckpoint_roundTrips_andDefaultsToZero() throws Exception {
        Log log = open(smallConfig(Map.of()));
        assertEquals(0, log.checkpointedHighWatermark());
        log.checkpointHighWatermark(42);
        assertEquals(42, log.checkpointedHighWatermark());
        Files.writeString(dir().resolve(LogFiles.HIGH_WATERMARK_FILE), "junk");
        assertEquals(0, log.checkpointedHighWatermark());
    }
}
