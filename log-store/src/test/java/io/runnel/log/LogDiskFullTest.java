package io.runnel.log;

import static io.runnel.log.TestBatches.batch;
import static io.runnel.log.TestBatches.label;
import static io.runnel.log.TestBatches.readAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runnel.log.testing.SmallFileSystem;
import io.runnel.record.Record;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 14 item 8: a full disk (a real, small tmpfs, see {@link SmallFileSystem}) in the middle of
 * an append, an index entry and a roll. The append fails with an I/O error and leaves nothing of
 * itself, the log refuses appends until reopened, a close leaves no clean-shutdown marker, and
 * the reopened log holds exactly what was appended before and takes appends again.
 */
class LogDiskFullTest extends LogTestBase {
    private SmallFileSystem disk;

    @AfterEach
    void unmount() throws Exception {
        closeOpenedLogs();
        if (disk != null) {
            disk.release();
            disk.close();
        }
    }

    @Override
    Path dir() {
        return (disk == null ? tmp : disk.root()).resolve("topic-0");
    }

    private static LogConfig config(Map<String, String> overrides) {
        return smallConfig(Map.of(LogConfig.SEGMENT_BYTES, "65536", LogConfig.FLUSH_INTERVAL_MS, "3600000")).with(overrides);
    }

    /** The log after the disk got room again: closed (as the broker does) and reopened. */
    private Log reopen(Log failed, LogConfig config) throws Exception {
        disk.release();
        failed.close();
        return open(config);
    }

    private static void assertHolds(Log log, int records) {
        assertEquals(records, log.logEndOffset());
        List<Record> all = readAll(log, 0, 1 << 20);
        assertEquals(records, all.size());
        for (int i = 0; i < records; i++) {
            assertEquals("v" + i, label(all.get(i).value()));
        }
        log.appendAsLeader(batch(records, 1, 2000, 10), 1);
        assertEquals(records + 1, readAll(log, 0, 1 << 20).size());
    }

    /** A 64 KiB disk, a log on it holding one record, and the rest of the disk taken. */
    private Log oneRecordThenFullDisk(LogConfig config) throws Exception {
        disk = SmallFileSystem.mount(tmp.resolve("disk"), "size=64k");
        Log log = open(config);
        log.appendAsLeader(batch(0, 1, 1000, 60), 1);
        disk.fill();
        return log;
    }

    @Test
    void aFullDiskMidAppend_failsIt_andNoTornBytesSurviveAClose() throws Exception {
        LogConfig config = config(Map.of());
        Log log = oneRecordThenFullDisk(config);
        long written = Files.size(LogFiles.logFile(dir(), 0));
        // 16 KiB: part of it fits in the log file's last page, the rest finds the disk full.
        UncheckedIOException e = assertThrows(UncheckedIOException.class,
            () -> log.appendAsLeader(batch(1, 1, 1001, 16_384), 1));
        assertTrue(log.failed(), e.getMessage());
        assertEquals(1, log.logEndOffset());
        assertEquals(1, readAll(log, 0, 1 << 20).size());
        // Sticky: no more appends into a log whose directory just failed, even with room again.
        disk.release();
        assertThrows(UncheckedIOException.class, () -> log.appendAsLeader(batch(1, 1, 1001, 10), 1));

        Log reopened = reopen(log, config);
        assertFalse(reopened.recoveryReport().cleanShutdown(), "a failed log must be recovered, not trusted");
        assertEquals(written, Files.size(LogFiles.logFile(dir(), 0)), "no byte of the failed append is left");
        assertHolds(reopened, 1);
    }

    @Test
    void anIndexEntryOnAFullDisk_failsTheAppend_insteadOfABusError() throws Exception {
        // An index entry for every batch after the first: the second append needs an index page.
        LogConfig config = config(Map.of(LogConfig.INDEX_INTERVAL_BYTES, "1"));
        Log log = oneRecordThenFullDisk(config);
        // Fits in the log file's page; its index entry would land in a sparse hole of the pre-allocated index.
        assertThrows(UncheckedIOException.class, () -> log.appendAsLeader(batch(1, 1, 1001, 10), 1));
        assertTrue(log.failed());
        assertEquals(1, log.logEndOffset());

        Log reopened = reopen(log, config);
        assertHolds(reopened, 1);
    }

    @Test
    void aRollThatFailsHalfWay_leavesNoSegmentFile_andTheLogRollsAfterReopening() throws Exception {
        disk = SmallFileSystem.mount(tmp.resolve("disk"), "size=4m,nr_inodes=64");
        LogConfig config = config(Map.of(LogConfig.SEGMENT_BYTES, "1024"));
        Log log = open(config);
        int records = 0;
        ByteBuffer next = batch(0, 1, 1000, 60);
        while (log.sizeInBytes() + next.remaining() <= 1024) {
            log.appendAsLeader(next, 1);
            records++;
            next = batch(records, 1, 1000 + records, 60);
        }
        int before = records;
        ByteBuffer rolling = next;
        // One inode left: the roll creates its .log file and then finds no inode for the index.
        disk.exhaustInodes();
        disk.releaseOne();
        assertThrows(UncheckedIOException.class, () -> log.appendAsLeader(rolling, 1));
        assertTrue(log.failed());
        assertFalse(Files.exists(LogFiles.logFile(dir(), before)), "the half-created segment must not stay behind");
        assertEquals(List.of(0L), log.segmentBaseOffsets());

        Log reopened = reopen(log, config);
        assertHolds(reopened, before);
        for (int i = 0; i < 20; i++) {
            reopened.appendAsLeader(batch(before + 1 + i, 1, 4000, 60), 1);
        }
        assertTrue(reopened.numberOfSegments() > 2, "rolls work again: " + reopened.segmentBaseOffsets());
    }

    @Test
    void anEmptySegmentFileLeftByAFailedRoll_doesNotBlockTheNextRoll() throws Exception {
        Log log = open(config(Map.of()));
        log.appendAsLeader(batch(0, 1, 1000, 60), 1);
        // What a roll that failed after creating its file (and could not remove it) leaves behind.
        Files.createFile(LogFiles.logFile(dir(), 1));
        log.roll();
        log.appendAsLeader(batch(1, 1, 1001, 60), 1);
        assertEquals(List.of(0L, 1L), log.segmentBaseOffsets());
        assertEquals(2, readAll(log, 0, 1 << 20).size());
    }
}
