package io.runnel.log;

import static io.runnel.record.RecordBatchLayout.HEADER_SIZE;
import static io.runnel.record.RecordBatchLayout.LAST_OFFSET_DELTA_OFFSET;
import static io.runnel.record.RecordBatchLayout.LAST_OFFSET_DELTA_LENGTH;

import io.runnel.record.CorruptBatchException;
import io.runnel.record.RecordBatch;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One segment of a partition log: a {@code .log} file of record batches with its {@link OffsetIndex}
 * and {@link TimeIndex}, all named by the segment's base offset ({@link LogFiles}).
 *
 * <p>Thread-safety: not thread-safe for mutation. {@link #append}, {@link #truncateTo},
 * {@link #recover}, {@link #onBecomeInactive} and {@link #close} need the owning log's lock.
 * {@link #read}, {@link #translateOffset}, {@link #findOffsetByTimestamp}, {@link #sizeInBytes} and
 * {@link #flush} are safe from any thread: reads are positional and bounded by {@link #size}, which is
 * published only after the bytes below it are written.
 *
 * <p>Design note: this class owns the segment's files and state and does the hot paths itself
 * (append and fetch reads); the other jobs are static classes working on its fields: recovery and
 * the index sanity check ({@link SegmentRecovery}), truncation to an offset
 * ({@link SegmentTruncation}), and header walks off the fetch path ({@link SegmentScans}).
 */
public final class LogSegment implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(LogSegment.class);

    // Package-private state is shared with the classes doing the segment's other jobs (see the
    // design note), under the same rules as here.
    /** Bytes of a batch header a scan needs: up to and including the last offset delta. */
    static final int SCAN_HEADER_BYTES = LAST_OFFSET_DELTA_OFFSET + LAST_OFFSET_DELTA_LENGTH;

    final long baseOffset;
    private final int indexIntervalBytes;
    private final int maxIndexBytes;
    final FileChannel channel;
    final OffsetIndex offsetIndex;
    final TimeIndex timeIndex;
    volatile Path logFile;
    /** Bytes of whole, valid batches in the log file; readers never look past it. */
    volatile int size;
    /**
     * The last batch appended, published before {@link #size} covers it; null when not known (a
     * segment opened from disk, or cut back by truncation). Reads at the tail (a follower asking for
     * what was just appended, a consumer for what was just committed, a read bounded at the log end)
     * find their batch here without reading headers from the file.
     */
    volatile BatchPosition lastBatch;
    volatile long maxTimestampSoFar = -1;
    volatile long offsetOfMaxTimestampSoFar;
    int bytesSinceLastIndexEntry;
    /** Clock time of the first append, or of opening a non-empty segment: the segment.ms timer. */
    long rollingBaseTimeMs = -1;

    private LogSegment(Path logFile, long baseOffset, int indexIntervalBytes, int maxIndexBytes, FileChannel channel,
                       OffsetIndex offsetIndex, TimeIndex timeIndex, int size) {
        this.logFile = logFile;
        this.baseOffset = baseOffset;
        this.indexIntervalBytes = indexIntervalBytes;
        this.maxIndexBytes = maxIndexBytes;
        this.channel = channel;
        this.offsetIndex = offsetIndex;
        this.timeIndex = timeIndex;
        this.size = size;
        this.offsetOfMaxTimestampSoFar = baseOffset;
    }

    /**
     * Opens the segment with this base offset in {@code dir}, creating empty files if they do not
     * exist. Existing contents are trusted as they are; call {@link #recover} to check them.
     *
     * @param active pre-allocate and map the indexes for appends
     */
    public static LogSegment open(Path dir, long baseOffset, LogConfig config, boolean active, long nowMs) {
        Path file = LogFiles.logFile(dir, baseOffset);
        FileChannel channel = null;
        boolean created = !Files.exists(file);
        try {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            long length = channel.size();
            if (length > Integer.MAX_VALUE) {
                throw new IOException("log file is " + length + " bytes, over the 2 GiB segment limit");
            }
            OffsetIndex offsetIndex = new OffsetIndex(LogFiles.offsetIndexFile(dir, baseOffset), baseOffset,
                config.maxIndexBytes(), active);
            TimeIndex timeIndex = new TimeIndex(LogFiles.timeIndexFile(dir, baseOffset), baseOffset,
                config.maxIndexBytes(), active);
            LogSegment segment = new LogSegment(file, baseOffset, config.indexIntervalBytes(), config.maxIndexBytes(), channel,
                offsetIndex, timeIndex, (int) length);
            TimestampOffset last = timeIndex.lastEntry();
            segment.maxTimestampSoFar = last.timestamp();
            segment.offsetOfMaxTimestampSoFar = last.offset();
            if (length > 0) {
                segment.rollingBaseTimeMs = nowMs;
            }
            return segment;
        } catch (IOException e) {
            closeQuietly(channel);
            UncheckedIOException failure = new UncheckedIOException("Cannot open segment " + file, e);
            if (created) {
                LogFiles.deleteSegmentFiles(dir, baseOffset, failure);
            }
            throw failure;
        } catch (RuntimeException e) {
            closeQuietly(channel);
            if (created) {
                LogFiles.deleteSegmentFiles(dir, baseOffset, e); // a half-created segment would block later rolls
            }
            throw e;
        }
    }

    public long baseOffset() {
        return baseOffset;
    }

    public int sizeInBytes() {
        return size;
    }

    public Path logFile() {
        return logFile;
    }

    public OffsetIndex offsetIndex() {
        return offsetIndex;
    }

    public TimeIndex timeIndex() {
        return timeIndex;
    }

    /** Largest record timestamp in the segment, or -1 if it is empty. */
    public long largestTimestamp() {
        return maxTimestampSoFar;
    }

    /** Clock time from which segment.ms counts, or -1 for an empty segment. */
    public long rollingBaseTimeMs() {
        return rollingBaseTimeMs;
    }

    // ---------------------------------------------------------------- append

    /**
     * Appends whole batches whose offsets are already assigned and above everything in the segment.
     * Needs the log's lock.
     *
     * @param batches one or more valid batches from position to limit; left unchanged
     */
    public void append(ByteBuffer batches, long nowMs) {
        int start = size;
        int length = batches.remaining();
        if ((long) start + length > Integer.MAX_VALUE) {
            throw new IllegalStateException("Segment " + logFile + " would exceed 2 GiB");
        }
        int offsetEntries = offsetIndex.entries();
        int timeEntries = timeIndex.entries();
        long maxTimestamp = maxTimestampSoFar;
        long offsetOfMaxTimestamp = offsetOfMaxTimestampSoFar;
        int sinceIndexEntry = bytesSinceLastIndexEntry;
        RecordBatch batch = new RecordBatch();
        int lastAt = batches.position();
        try {
            writeFully(batches.duplicate(), start);
            for (int at = batches.position(); at < batches.limit(); ) {
                batch.wrap(batches, at, start + (at - batches.position()));
                indexBatch(batch, start + (at - batches.position()));
                lastAt = at;
                at += batch.sizeInBytes();
            }
        } catch (UncheckedIOException e) {
            // A full disk or an I/O error: nothing of this append may stay, in memory or in the file.
            offsetIndex.truncateToEntries(offsetEntries);
            timeIndex.truncateToEntries(timeEntries);
            maxTimestampSoFar = maxTimestamp;
            offsetOfMaxTimestampSoFar = offsetOfMaxTimestamp;
            bytesSinceLastIndexEntry = sinceIndexEntry;
            cutTornTail(start, e);
            throw e;
        }
        if (start == 0) {
            rollingBaseTimeMs = nowMs;
        }
        batch.wrap(batches, lastAt, start + (lastAt - batches.position()));
        lastBatch = new BatchPosition(batch.baseOffset(), batch.lastOffset(), start + (lastAt - batches.position()),
            batch.sizeInBytes());
        size = start + length;
    }

    /**
     * Cuts what a failed append left past {@code start}; if even that fails, the bytes stay beyond
     * {@link #size}, never read, and the log (marked failed) is recovered on its next open.
     */
    private void cutTornTail(int start, UncheckedIOException cause) {
        try {
            channel.truncate(start);
        } catch (IOException e) {
            cause.addSuppressed(e);
        }
    }

    void indexBatch(RecordBatch batch, int position) {
        if (batch.maxTimestamp() > maxTimestampSoFar) {
            maxTimestampSoFar = batch.maxTimestamp();
            offsetOfMaxTimestampSoFar = batch.baseOffset();
        }
        if (bytesSinceLastIndexEntry > indexIntervalBytes) {
            if (!offsetIndex.isFull()) {
                offsetIndex.append(batch.baseOffset(), position);
                timeIndex.maybeAppend(maxTimestampSoFar, offsetOfMaxTimestampSoFar, false);
            }
            bytesSinceLastIndexEntry = 0;
        }
        bytesSinceLastIndexEntry += batch.sizeInBytes();
    }

    /** Whether an index is too full to take another entry: the log rolls before appending then. */
    public boolean indexesFull() {
        return offsetIndex.isFull() || timeIndex.isFull();
    }

    private void writeFully(ByteBuffer src, long position) {
        try {
            while (src.hasRemaining()) {
                position += channel.write(src, position);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot append to " + logFile, e);
        }
    }

    // ---------------------------------------------------------------- read

    /** Location of one batch in the log file. */
    public record BatchPosition(long baseOffset, long lastOffset, int position, int size) {
    }

    /**
     * The first batch whose last offset is {@code >= offset}, searching from the index's hint, or
     * null if the segment holds no such batch below {@code end}.
     */
    public BatchPosition translateOffset(long offset, int end) {
        BatchPosition last = lastBatch;
        if (last != null) {
            // Batches before the last one end below its base offset: past that, no header need be read.
            if (offset > last.lastOffset()) {
                return null;
            }
            if (offset >= last.baseOffset()) {
                return last.position() + last.size() <= end ? last : null;
            }
        }
        return scanForOffset(offset, end);
    }

    /** {@link #translateOffset} by reading batch headers from the index's hint on. */
    BatchPosition scanForOffset(long offset, int end) {
        int position = offsetIndex.lookup(offset).position();
        ByteBuffer header = ByteBuffer.allocate(SCAN_HEADER_BYTES);
        while (position + SCAN_HEADER_BYTES <= end) {
            BatchPosition b = readBatchPosition(position, header);
            if (b.lastOffset() >= offset) {
                return b.position() + b.size() <= end ? b : null;
            }
            position += b.size();
        }
        return null;
    }

    /**
     * Whole batches from the one holding {@code startOffset}, at most {@code maxBytes} of them (but
     * the first batch whole even if larger, when {@code minOneBatch}), and nothing at or past
     * {@code maxPosition}. Returns null when the segment has nothing at or after {@code startOffset}.
     */
    public FileSlice read(long startOffset, int maxBytes, int maxPosition, boolean minOneBatch) {
        int end = Math.min(size, maxPosition);
        BatchPosition first = translateOffset(startOffset, end);
        if (first == null) {
            return null;
        }
        long limit = (long) first.position() + maxBytes;
        int stop;
        if (limit >= end) {
            stop = end;
        } else {
            // Jump close to the limit with the index (its positions are batch starts), then step.
            int from = Math.max(first.position(), offsetIndex.lookupByPosition((int) limit).position());
            ByteBuffer header = ByteBuffer.allocate(SCAN_HEADER_BYTES);
            stop = from;
            while (stop + SCAN_HEADER_BYTES <= end) {
                BatchPosition b = readBatchPosition(stop, header);
                if (stop + b.size() > limit) {
                    break;
                }
                stop += b.size();
            }
            if (stop == first.position() && minOneBatch) {
                stop = first.position() + first.size();
            }
        }
        return new FileSlice(channel, first.position(), stop - first.position());
    }

    /**
     * The first record at or after {@code startingOffset} whose timestamp is {@code >= timestamp},
     * as (its timestamp, its offset); empty if there is none in this segment.
     */
    public Optional<TimestampOffset> findOffsetByTimestamp(long timestamp, long startingOffset) {
        return findOffsetByTimestamp(timestamp, startingOffset, RecordBatch.DEFAULT_MAX_UNCOMPRESSED_BYTES);
    }

    /**
     * As above, expanding no compressed batch past {@code maxDecompressedBytes}: inside a larger one,
     * the batch's first offset (at or after {@code startingOffset}) and its max timestamp.
     */
    public Optional<TimestampOffset> findOffsetByTimestamp(long timestamp, long startingOffset, int maxDecompressedBytes) {
        return SegmentScans.findOffsetByTimestamp(this, timestamp, startingOffset, maxDecompressedBytes);
    }

    /**
     * Calls {@code visitor} with a flyweight over each batch's 61-byte header, in order. Only header
     * fields may be read from it (the records are not loaded); it is reused between calls.
     */
    public void forEachBatchHeader(Consumer<RecordBatch> visitor) {
        SegmentScans.forEachBatchHeader(this, visitor);
    }

    /** The offset after the segment's last batch, or the base offset if it is empty. */
    public long readNextOffset() {
        return SegmentScans.readNextOffset(this);
    }

    BatchPosition readBatchPosition(int position, ByteBuffer header) {
        header.clear();
        readFully(header, position);
        RecordBatch batch = RecordBatch.of(header, 0);
        int batchSize = batch.sizeInBytes();
        if (batchSize < HEADER_SIZE) {
            // Only recovered or appended bytes are below size, so this means the file changed under us.
            throw new CorruptBatchException.InvalidBatchLengthException(position, batch.batchLength());
        }
        return new BatchPosition(batch.baseOffset(), batch.lastOffset(), position, batchSize);
    }

    void readFully(ByteBuffer dst, long position) {
        try {
            while (dst.hasRemaining()) {
                int n = channel.read(dst, position);
                if (n < 0) {
                    throw new IOException("unexpected end of file at " + position);
                }
                position += n;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + logFile + " at " + position, e);
        }
    }

    // ---------------------------------------------------------------- recovery and truncation

    /** What {@link #recover} found: the offset after the last valid batch and what was cut off. */
    public record RecoveryResult(long nextOffset, int validBytes, long truncatedBytes, String reason) {
    }

    /**
     * Re-validates every batch (framing, magic, CRC, codec, offsets increasing from the base offset),
     * rebuilds both indexes from them, records each batch's leader epoch in {@code epochs}, and cuts
     * the file at the first bad byte. Needs the log's lock.
     */
    public RecoveryResult recover(LeaderEpochCache epochs) {
        return SegmentRecovery.recover(this, epochs);
    }

    /**
     * Removes the batch holding {@code offset} and everything after it. Batches are removed whole,
     * so the segment may end below {@code offset}. Needs the log's lock.
     *
     * @return the base offset of the first batch removed, or {@link Long#MAX_VALUE} if none was
     */
    public long truncateTo(long offset) {
        return SegmentTruncation.truncateTo(this, offset);
    }

    /** Makes a sealed segment take appends again (truncation made it the last one): regrows its indexes. */
    public void reopenForAppends() {
        offsetIndex.resize(maxIndexBytes);
        timeIndex.resize(maxIndexBytes);
    }

    void truncateFile(int position) {
        try {
            channel.truncate(position);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot truncate " + logFile + " to " + position, e);
        }
    }

    /**
     * Checks both indexes against the log file.
     *
     * @throws CorruptIndexException if either is damaged: the caller rebuilds them with {@link #recover}
     */
    public void sanityCheckIndexes() {
        SegmentRecovery.sanityCheckIndexes(this);
    }

    // ---------------------------------------------------------------- lifecycle

    /**
     * Seals the segment: records its max timestamp in the time index and trims both index files to
     * their entries. Needs the log's lock.
     */
    public void onBecomeInactive() {
        if (maxTimestampSoFar >= 0) {
            timeIndex.maybeAppend(maxTimestampSoFar, offsetOfMaxTimestampSoFar, true);
        }
        offsetIndex.trimToValidSize();
        timeIndex.trimToValidSize();
    }

    /** Forces the log file's data (not the derived indexes) to disk. Safe from any thread. */
    public void flushLog() {
        try {
            channel.force(false);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot flush " + logFile, e);
        }
    }

    /** Forces the log file and both indexes to disk. Safe from any thread. */
    public void flush() {
        flushLog();
        offsetIndex.flush();
        timeIndex.flush();
    }

    /** Renames every file of the segment with the {@code .deleted} suffix; reads keep working. */
    public void markDeleted() {
        Path target = logFile.resolveSibling(logFile.getFileName() + LogFiles.DELETED_SUFFIX);
        try {
            Files.move(logFile, target, StandardCopyOption.REPLACE_EXISTING);
            logFile = target;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot rename " + logFile + " to " + target, e);
        }
        offsetIndex.renameTo(offsetIndex.file().resolveSibling(offsetIndex.file().getFileName() + LogFiles.DELETED_SUFFIX));
        timeIndex.renameTo(timeIndex.file().resolveSibling(timeIndex.file().getFileName() + LogFiles.DELETED_SUFFIX));
    }

    /** Closes the file and mappings and deletes the segment's files. */
    public void deleteFiles() {
        close();
        offsetIndex.deleteIfExists();
        timeIndex.deleteIfExists();
        try {
            Files.deleteIfExists(logFile);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot delete " + logFile, e);
        }
    }

    /** Releases the file handle and the index mappings. Idempotent. */
    @Override
    public void close() {
        offsetIndex.close();
        timeIndex.close();
        closeQuietly(channel);
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                log.warn("Closing a segment file failed", e);
            }
        }
    }

    @Override
    public String toString() {
        return "LogSegment[" + logFile + ", size=" + size + "]";
    }
}
