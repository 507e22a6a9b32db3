package io.runnel.log;

import static io.runnel.log.TestBatches.batch;
import static io.runnel.log.TestBatches.label;
import static io.runnel.log.TestBatches.readAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runnel.record.Record;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * A power loss drops what was never fsynced (issue 14 item 4). Instead of trusting the page cache
 * (a crash of the process keeps every written byte), the test keeps a "disk image" of the log: a
 * copy of its directory taken at the start of every fsync round, which holds at most what that
 * fsync makes durable. The power loss reopens the image, optionally with a torn tail (part of what
 * the page cache held beyond it, as a partial write-back leaves).
 */
class PowerLossTest extends LogTestBase {
    private static final long HOUR_MS = 3_600_000;

    /** The log directory as of the start of the last fsync round. */
    private final class DiskImage {
        private final Path image = tmp.resolve("image");
        private int copies;

        DiskImage(Log log) {
            log.beforeSyncForTest(this::take);
        }

        private synchronized void take() {
            try {
                Path next = tmp.resolve("image-next");
                copyDir(dir(), next);
                deleteDir(image);
                Files.move(next, image);
                copies++;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        synchronized int copies() {
            return copies;
        }

        /**
         * The log directory after a power loss: the image, plus the first {@code tornBytes} of what
         * the live active segment held beyond the image's copy of it.
         */
        synchronized Path afterPowerLoss(String activeSegment, int tornBytes) throws IOException {
            assertTrue(Files.exists(image), "no fsync ever ran: a power loss leaves nothing of this log");
            Path lost = tmp.resolve("after-power-loss");
            copyDir(image, lost);
            Path imaged = lost.resolve(activeSegment);
            if (tornBytes > 0 && Files.exists(imaged)) { // a segment created since was never in the directory on disk
                long have = Files.size(imaged);
                try (FileChannel live = FileChannel.open(dir().resolve(activeSegment), StandardOpenOption.READ);
                     FileChannel out = FileChannel.open(imaged, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
                    ByteBuffer torn = ByteBuffer.allocate(tornBytes);
                    live.read(torn, have);
                    out.write(torn.flip());
                }
            }
            return lost;
        }
    }

    private static void copyDir(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
    }

    private static void deleteDir(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.delete(f);
            }
        }
        Files.delete(dir);
    }

    private static String activeSegment(Log log) {
        return String.format("%020d.log", log.segmentBaseOffsets().get(log.segmentBaseOffsets().size() - 1));
    }

    private Log reopen(Path lost, LogConfig config) {
        Log log = Log.open(lost, config, clock, scheduler);
        return log;
    }

    private static void assertPrefix(Log log, long count) {
        List<Record> records = readAll(log, 0, 1 << 20);
        assertEquals(count, records.size());
        for (int i = 0; i < records.size(); i++) {
            assertEquals(i, records.get(i).offset());
            assertEquals("v" + i, label(records.get(i).value()));
        }
    }

    @Test
    void flushPolicySync_losesNothingAcknowledged_whenEverythingUnflushedIsDropped() throws Exception {
        LogConfig sync = smallConfig(Map.of(LogConfig.FLUSH_POLICY, "sync", LogConfig.FLUSH_INTERVAL_MS, Long.toString(HOUR_MS)));
        Log log = open(sync);
        DiskImage disk = new DiskImage(log);
        int acked = 40;
        for (int i = 0; i < acked; i++) {
            log.appendAsLeader(batch(i, 1, 10, 300), 0); // 300-byte values in 4 KiB segments: rolls too
        }
        assertTrue(log.numberOfSegments() > 2, "rolls happened: " + log.numberOfSegments());
        // An append in flight when the power went: its write reached the page cache, its fsync never ran.
        CountDownLatch neverSynced = new CountDownLatch(1);
        log.beforeSyncForTest(() -> {
            try {
                neverSynced.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        ByteBuffer inFlight = batch(acked, 1, 10, 300);
        int inFlightBytes = inFlight.remaining();
        ExecutorService appender = Executors.newSingleThreadExecutor();
        Path lost;
        try {
            Future<?> waiting = appender.submit(() -> log.appendAsLeader(inFlight, 0));
            Awaitility.await().atMost(Duration.ofMinutes(1)).until(() -> log.logEndOffset() == acked + 1);
            lost = disk.afterPowerLoss(activeSegment(log), inFlightBytes / 2);
            neverSynced.countDown();
            waiting.get(1, TimeUnit.MINUTES);
        } finally {
            neverSynced.countDown(); // a failed assertion must not leave the log's close waiting on it
            appender.shutdownNow();
        }
        crash(log);
        recoverAndCheck(lost, sync, acked);
    }

    private void recoverAndCheck(Path lost, LogConfig sync, int acked) throws Exception {
        Log recovered = reopen(lost, sync);
        try {
            assertEquals(acked, recovered.logEndOffset(), "every acknowledged append survives, nothing after it");
            assertPrefix(recovered, acked);
        } finally {
            recovered.close();
        }
    }

    @Test
    void flushPolicyAsync_losesAtMostWhatWasAppendedSinceTheLastFlush_andNothingBeforeIt() throws IOException {
        LogConfig async = smallConfig(Map.of(LogConfig.SEGMENT_BYTES, "1048576", LogConfig.FLUSH_INTERVAL_MS, Long.toString(HOUR_MS)));
        Log log = open(async);
        DiskImage disk = new DiskImage(log);
        for (int i = 0; i < 10; i++) {
            log.appendAsLeader(batch(i, 1, 10, 100), 0);
        }
        assertEquals(0, disk.copies(), "async appends return before any fsync");
        log.flush();
        assertEquals(1, disk.copies());
        int batchBytes = batch(10, 1, 10, 100).remaining();
        for (int i = 10; i < 25; i++) {
            log.appendAsLeader(batch(i, 1, 10, 100), 0); // acknowledged under async, never flushed
        }
        Path lost = disk.afterPowerLoss(activeSegment(log), batchBytes + batchBytes / 2);
        crash(log);

        Log recovered = reopen(lost, async);
        try {
            // Everything up to the flush survives; of the rest only what the torn write-back held
            // whole (one batch here): the window is what was appended since the last flush.
            assertEquals(11, recovered.logEndOffset());
            assertPrefix(recovered, 11);
        } finally {
            recovered.close();
        }
    }
}
