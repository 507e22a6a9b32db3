package io.runnel.log;

import static io.runnel.log.TestBatches.batch;
import static io.runnel.log.TestBatches.readAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runnel.record.Record;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link Log#maybeIncrementLogStartOffset}: DeleteRecords inside a segment, kept across a restart. */
class LogStartOffsetTest extends LogTestBase {
    private static long segmentFiles(Log log) {
        return log.numberOfSegments();
    }

    /** 40 one-record batches of 200 bytes in 4096-byte segments: several segments. */
    private Log logOfForty() {
        Log log = open(smallConfig(Map.of()));
        for (int i = 0; i < 40; i++) {
            log.appendAsLeader(batch(i, 1, 10, 200), 0);
        }
        return log;
    }

    @Test
    void increment_insideASegment_readsBelowAreOutOfRange_wholeSegmentsBelowDeleted() {
        Log log = logOfForty();
        long before = segmentFiles(log);
        assertTrue(before >= 3, "segments: " + before);

        assertEquals(25, log.maybeIncrementLogStartOffset(25));
        assertEquals(25, log.logStartOffset());
        OffsetOutOfRangeException e = assertThrows(OffsetOutOfRangeException.class, () -> log.read(24, 1 << 20, Long.MAX_VALUE, true));
        assertEquals(25, e.logStartOffset());
        List<Record> rest = readAll(log, 25, 1 << 20);
        assertEquals(25, rest.get(0).offset());
        assertEquals(39, rest.get(rest.size() - 1).offset());
        assertTrue(segmentFiles(log) < before, "whole segments below 25 are deleted");

        assertEquals(25, log.maybeIncrementLogStartOffset(10), "never moves back");
        assertThrows(IllegalArgumentException.class, () -> log.maybeIncrementLogStartOffset(41));
        assertEquals(40, log.maybeIncrementLogStartOffset(40), "up to the log end: an empty log");
    }

    @Test
    void theNewStart_survivesACleanRestart_andACrash() {
        Log log = logOfForty();
        log.maybeIncrementLogStartOffset(25);
        log.close();
        Log reopened = open(smallConfig(Map.of()));
        assertEquals(25, reopened.logStartOffset());
        assertEquals(40, reopened.logEndOffset());
        assertThrows(OffsetOutOfRangeException.class, () -> reopened.read(24, 1 << 20, Long.MAX_VALUE, true));
        reopened.maybeIncrementLogStartOffset(30);
        crash(reopened);
        Log recovered = open(smallConfig(Map.of()));
        assertEquals(30, recovered.logStartOffset());
        assertEquals(30, readAll(recovered, 30, 1 << 20).get(0).offset());
    }

    @Test
    void retention_keepsAStartPastTheFirstRemainingSegment() {
        Log log = open(smallConfig(Map.of(LogConfig.RETENTION_MS, "-1", LogConfig.RETENTION_BYTES, "5000")));
        for (int i = 0; i < 40; i++) {
            log.appendAsLeader(batch(i, 1, 10, 200), 0);
        }
        long lastSegmentBase = log.segmentBaseOffsets().get(log.segmentBaseOffsets().size() - 1);
        log.maybeIncrementLogStartOffset(lastSegmentBase + 1);
        // Retention by size deletes nothing more here (only the active segment is left), and must not
        // move the start back to the first remaining segment's base.
        log.deleteOldSegments();
        assertEquals(lastSegmentBase + 1, log.logStartOffset());
    }
}
