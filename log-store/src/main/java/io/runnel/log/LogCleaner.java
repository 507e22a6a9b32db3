package io.runnel.log;

import io.runnel.record.CorruptBatchException;
import io.runnel.record.Record;
import io.runnel.record.RecordBatch;
import io.runnel.record.RecordBatchBuilder;
import io.runnel.record.RecordBatchLayout;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Log compaction: rewrites sealed segments keeping, for every key, only its newest record, and
 * drops tombstones (a key with no value) once they are older than {@code delete.retention.ms}.
 * Offsets never change, so readers and followers see gaps, not renumbering; batches whose records
 * all survive are copied byte for byte.
 *
 * <p>A cleaned segment is written to {@code .cleaned-<base>/} beside the log, synced, and marked
 * complete before it replaces the original; {@link #recover} finishes or discards such a
 * directory after a crash, so a crash never leaves a segment missing or half-written.
 *
 * <p>{@link #stage} only reads segments, so {@link Log#compact} runs it without the log's lock;
 * {@link #swap} runs under the lock, after checking nothing it read was truncated or replaced.
 */
public final class LogCleaner {
    private static final Logger log = LoggerFactory.getLogger(LogCleaner.class);
    static final String CLEANED_DIR_PREFIX = ".cleaned-";
    private static final String COMPLETE_MARKER = "complete";
    private static final int READ_CHUNK = 8 << 20;

    /** What a pass did: segments rewritten, their bytes before and after, records dropped. */
    public record Result(int segmentsRewritten, long bytesBefore, long bytesAfter, long recordsRemoved) {
        static final Result NOTHING = new Result(0, 0, 0, 0);
    }

    private LogCleaner() {
    }

    /** Every batch of a segment, in order, read in chunks so a large segment need not fit in memory. */
    static void forEachBatch(LogSegment segment, Consumer<RecordBatch> visitor) {
        long next = segment.baseOffset();
        RecordBatch batch = new RecordBatch();
        while (true) {
            FileSlice slice = segment.read(next, READ_CHUNK, segment.sizeInBytes(), true);
            if (slice == null || slice.size() == 0) {
                return;
            }
            ByteBuffer chunk = slice.toByteBuffer();
            for (int at = chunk.position(); at + RecordBatchLayout.LOG_OVERHEAD <= chunk.limit(); ) {
                batch.wrap(chunk, at, slice.position() + at);
                int size = batch.sizeInBytes();
                if (at + size > chunk.limit()) {
                    break;
                }
                visitor.accept(batch);
                next = batch.nextOffset();
                at += size;
            }
        }
    }

    /** A cleaned copy of {@code original}, complete in {@code staging}, not yet swapped in. */
    record Staged(LogSegment original, Path staging, long recordsRemoved) {
    }

    /**
     * Writes cleaned copies of the sealed segments of {@code segments} (oldest first, active last)
     * that lie wholly below {@code maxOffset} and have something to drop. Only records below
     * {@code maxOffset} (the high watermark) count as newer: a record that may still be truncated
     * must not be the reason an older one goes. Reads only; the log is not changed.
     */
    static List<Staged> stage(Path dir, List<LogSegment> segments, LogConfig config, long maxOffset, long nowMs) {
        List<LogSegment> cleanable = new ArrayList<>();
        for (int i = 0; i + 1 < segments.size(); i++) {
            if (segments.get(i + 1).baseOffset() <= maxOffset) {
                cleanable.add(segments.get(i));
            }
        }
        if (cleanable.isEmpty()) {
            return List.of();
        }
        Map<ByteBuffer, Long> latest = new HashMap<>();
        for (LogSegment segment : segments) {
            if (segment.baseOffset() >= maxOffset) {
                break;
            }
            forEachBatch(segment, batch -> {
                // A batch too large to expand is kept whole and names no key: every record removed
                // is still one that a newer record with its key replaces.
                List<Record> records = recordsWithin(batch, config, dir);
                if (records == null) {
                    return;
                }
                for (Record r : records) {
                    if (r.key() != null && r.offset() < maxOffset) {
                        latest.put(ByteBuffer.wrap(r.key()), r.offset());
                    }
                }
            });
        }
        List<Staged> staged = new ArrayList<>();
        try {
            for (LogSegment segment : cleanable) {
                boolean tombstonesExpire = segment.largestTimestamp() >= 0
                    && nowMs - segment.largestTimestamp() > config.deleteRetentionMs();
                long[] removable = new long[1];
                forEachBatch(segment, batch -> {
                    List<Record> records = recordsWithin(batch, config, null);
                    if (records == null) {
                        return;
                    }
                    for (Record r : records) {
                        if (!keep(r, latest, tombstonesExpire)) {
                            removable[0]++;
                        }
                    }
                });
                if (removable[0] > 0) {
                    staged.add(new Staged(segment, write(dir, segment, config, latest, tombstonesExpire, nowMs), removable[0]));
                }
            }
        } catch (RuntimeException e) {
            staged.forEach(st -> discard(st.staging()));
            throw e;
        }
        return staged;
    }

    /** Replaces the original's files with the staged copy and opens it; the caller holds the log's lock. */
    static LogSegment swap(Path dir, Staged staged, LogConfig config, long nowMs) {
        staged.original().markDeleted();
        install(dir, staged.staging());
        return LogSegment.open(dir, staged.original().baseOffset(), config, false, nowMs);
    }

    static void discard(Path staging) {
        deleteRecursively(staging);
    }

    /**
     * The batch's records, or null if it expands past {@code decompression.max.batch.bytes}: such a
     * batch is kept whole, as it is, and names no key.
     *
     * @param dir where to name in a warning, or null for none (one warning per pass is enough)
     */
    private static List<Record> recordsWithin(RecordBatch batch, LogConfig config, Path dir) {
        try {
            return batch.records(config.maxDecompressedBatchBytes());
        } catch (CorruptBatchException.DecompressedTooLargeException e) {
            if (dir != null) {
                log.warn("Compaction of {} keeps the batch at offset {} whole: {} ({} is {})", dir, batch.baseOffset(),
                    e.getMessage(), LogConfig.DECOMPRESSION_MAX_BATCH_BYTES, config.maxDecompressedBatchBytes());
            }
            return null;
        }
    }

    private static boolean keep(Record r, Map<ByteBuffer, Long> latest, boolean tombstonesExpire) {
        if (r.key() == null) {
            return true; // nothing to compact it against; kept rather than lost
        }
        if (latest.get(ByteBuffer.wrap(r.key())) != r.offset()) {
            return false;
        }
        return r.value() != null || !tombstonesExpire;
    }

    /** Writes the survivors of {@code segment} as a complete cleaned directory and returns it. */
    private static Path write(Path dir, LogSegment segment, LogConfig config, Map<ByteBuffer, Long> latest,
                              boolean tombstonesExpire, long nowMs) {
        long base = segment.baseOffset();
        Path staging = dir.resolve(CLEANED_DIR_PREFIX + LogFiles.filenamePrefix(base));
        deleteRecursively(staging);
        try {
            Files.createDirectories(staging);
            LogSegment cleaned = LogSegment.open(staging, base, config, true, nowMs);
            try {
                forEachBatch(segment, batch -> {
                    ByteBuffer out = survivors(batch, latest, tombstonesExpire, config);
                    if (out != null) {
                        cleaned.append(out, nowMs);
                    }
                });
                cleaned.onBecomeInactive();
                cleaned.flush();
            } finally {
                cleaned.close();
            }
            Path marker = staging.resolve(COMPLETE_MARKER);
            Files.write(marker, new byte[0]);
            try (var channel = java.nio.channels.FileChannel.open(marker, java.nio.file.StandardOpenOption.WRITE)) {
                channel.force(true);
            }
            return staging;
        } catch (IOException | RuntimeException e) {
            deleteRecursively(staging);
            throw e instanceof IOException io ? new UncheckedIOException("Cannot write cleaned segment " + staging, io)
                : (RuntimeException) e;
        }
    }

    /** The batch itself if every record survives, a rebuilt one with the survivors, or null for none. */
    private static ByteBuffer survivors(RecordBatch batch, Map<ByteBuffer, Long> latest, boolean tombstonesExpire,
                                        LogConfig config) {
        List<Record> records = recordsWithin(batch, config, null);
        if (records == null) {
            ByteBuffer whole = batch.buffer().duplicate();
            whole.limit(batch.offset() + batch.sizeInBytes()).position(batch.offset());
            return whole.slice();
        }
        List<Record> kept = new ArrayList<>(records.size());
        for (Record r : records) {
            if (keep(r, latest, tombstonesExpire)) {
                kept.add(r);
            }
        }
        if (kept.isEmpty()) {
            return null;
        }
        if (kept.size() == records.size()) {
            ByteBuffer whole = batch.buffer().duplicate();
            whole.limit(batch.offset() + batch.sizeInBytes()).position(batch.offset());
            return whole.slice();
        }
        RecordBatchBuilder builder = new RecordBatchBuilder(batch.compression()).baseOffset(batch.baseOffset())
            .partitionLeaderEpoch(batch.partitionLeaderEpoch());
        if (batch.producerId() >= 0 && batch.producerEpoch() >= 0 && batch.baseSequence() >= 0) {
            builder.producer(batch.producerId(), batch.producerEpoch(), batch.baseSequence());
        }
        for (Record r : kept) {
            builder.appendWithOffset(r.offset(), Math.max(0, r.timestamp()), r.key(), r.value(), r.headers());
        }
        return builder.lastOffsetDelta(batch.lastOffsetDelta()).build();
    }

    /** Moves a complete cleaned segment's files over the originals and removes the staging dir. */
    private static void install(Path dir, Path staging) {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(staging)) {
            for (Path f : files) {
                if (!f.getFileName().toString().equals(COMPLETE_MARKER)) {
                    Files.move(f, dir.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                }
            }
            // The marker goes last: until then a restart finishes the move.
            Files.deleteIfExists(staging.resolve(COMPLETE_MARKER));
            Files.deleteIfExists(staging);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot install cleaned segment from " + staging, e);
        }
    }

    /**
     * At log open, before segments load: a complete cleaned directory is installed (the crash came
     * during the swap), an incomplete one is discarded (the original is still in place).
     */
    static void recover(Path dir) {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, CLEANED_DIR_PREFIX + "*")) {
            for (Path staging : entries) {
                if (Files.exists(staging.resolve(COMPLETE_MARKER))) {
                    log.info("Finishing an interrupted compaction swap in {}", staging);
                    install(dir, staging);
                } else {
                    log.info("Discarding an unfinished compaction in {}", staging);
                    deleteRecursively(staging);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list " + dir, e);
        }
    }

    private static void deleteRecursively(Path staging) {
        if (!Files.exists(staging)) {
            return;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(staging)) {
            for (Path f : files) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(staging);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot delete " + staging, e);
        }
    }
}
