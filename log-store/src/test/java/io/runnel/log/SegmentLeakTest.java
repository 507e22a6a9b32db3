package io.runnel.log;

import static io.runnel.log.TestBatches.batch;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Rolling and deleting thousands of segments must release each one's file handle and memory
 * mappings: counted from the JVM's mapped-buffer pool and the process's open descriptors.
 */
class SegmentLeakTest extends LogTestBase {
    private static final int ROLLS = 3000;

    private static long mappedBuffers() {
        return ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
            .filter(p -> p.getName().equals("mapped")).mapToLong(BufferPoolMXBean::getCount).sum();
    }

    private static long openFiles() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    @Test
    void thousandsOfRollsAndDeletions_leakNoMappingsOrHandles() throws IOException {
        Log log = open(smallConfig(Map.of(LogConfig.RETENTION_BYTES, "4096", LogConfig.SEGMENT_BYTES, "1024",
            LogConfig.INDEX_INTERVAL_BYTES, "0")));
        for (int i = 0; i < 50; i++) {
            log.appendAsLeader(batch(i, 1, 10, 800), 0);
            log.deleteOldSegments();
        }
        long mappedBefore = mappedBuffers();
        long filesBefore = openFiles();
        for (int i = 50; i < 50 + ROLLS; i++) {
            log.appendAsLeader(batch(i, 1, 10, 800), 0); // 800-byte values: every append rolls
            if (i % 7 == 0) {
                // Reads map sealed indexes lazily; those mappings must go with their segments too.
                log.read(log.logStartOffset(), 100, Long.MAX_VALUE, true);
                log.offsetForTimestamp(10);
            }
            log.deleteOldSegments();
        }
        assertTrue(log.segmentBaseOffsets().get(0) > ROLLS, "segments were rolled and deleted");
        long mappedAfter = mappedBuffers();
        long filesAfter = openFiles();
        assertTrue(mappedAfter - mappedBefore <= 10, "mapped buffers " + mappedBefore + " -> " + mappedAfter);
        assertTrue(filesAfter - filesBefore <= 10, "open files " + filesBefore + " -> " + filesAfter);
        try (Stream<Path> files = Files.list(dir())) {
            assertTrue(files.count() < 30, "deleted segments' files are gone");
        }
    }

    @Test
    void delayedDeletes_areReleasedByClose() throws IOException {
        long mappedBefore = mappedBuffers();
        long filesBefore = openFiles();
        Log log = Log.open(dir(), smallConfig(Map.of(LogConfig.RETENTION_BYTES, "0", LogConfig.SEGMENT_BYTES, "1024",
            LogConfig.FILE_DELETE_DELAY_MS, "3600000")), clock, scheduler);
        for (int i = 0; i < 200; i++) {
            log.appendAsLeader(batch(i, 1, 10, 800), 0);
            log.deleteOldSegments();
        }
        try (Stream<Path> files = Files.list(dir())) {
            assertTrue(files.anyMatch(f -> f.toString().endsWith(LogFiles.DELETED_SUFFIX)));
        }
        log.close();
        assertEquals(0, mappedBuffers() - mappedBefore);
        assertTrue(openFiles() - filesBefore <= 2, "open files " + filesBefore + " -> " + openFiles());
        try (Stream<Path> files = Files.list(dir())) {
            assertTrue(files.noneMatch(f -> f.toString().endsWith(LogFiles.DELETED_SUFFIX)));
        }
    }
}
