package io.runnel.log;

import io.runnel.record.CorruptBatchException;
import io.runnel.record.RecordBatch;
import java.io.Closeable;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The log of one partition replica: a directory of {@link LogSegment}s, the last of which takes
 * appends. Offsets run from the log start offset (the first segment's base) to the log end offset
 * (the offset the next record gets).
 *
 * <p>Thread-safety: appends, rolls, truncation, retention and close serialize on {@link #lock}.
 * Reads and lookups take no lock: segments live in a concurrent map, and each segment publishes its
 * size only after writing the bytes below it, then the log publishes the new end offset. A read
 * racing with truncation or retention may return batches that were just removed (their files stay
 * readable for {@code file.delete.delay.ms}), never bytes that were not fully written.
 * Flushes run outside the lock so that fsync never blocks appends ({@link LogFlusher}); its flush
 * lock serializes them with truncation. Lock order: {@link #lock}, then the flush lock. Under
 * {@code flush.policy=sync} an append writes under the lock and then waits, outside it, for a group
 * commit ({@link GroupCommit}) to cover its bytes.
 *
 * <p>Design note: this class is the public face of the log and holds its state and lock; each job
 * is a class of its own working on that state. The hot paths are static ({@link LogAppender} for
 * append and roll, {@link LogReader} for reads) so they cost one call and no object more than
 * before. Under the lock: moving the bounds inward ({@link LogTruncation}), compaction passes
 * ({@link LogCompaction}), closing ({@link LogShutdown}), delayed file deletion
 * ({@link SegmentDeleter}). Getting bytes to disk, validation, retention choice, recovery and the
 * high-watermark checkpoint are classes of their own too.
 */
public final class Log implements Closeable {
    // Package-private state is shared with the classes doing the log's jobs (see the design note),
    // which change it only under the lock.
    private final Path dir;
    /** Replaced whole by {@link #updateConfig}; read once per decision. */
    private volatile LogConfig config;
    final Clock clock;
    final ReentrantLock lock = new ReentrantLock();
    final ConcurrentNavigableMap<Long, LogSegment> segments = new ConcurrentSkipListMap<>();
    /** Deletes removed segments' files after the delay; closes the rest at the latest by {@link #close}. */
    final SegmentDeleter deleter;
    private final OffsetCheckpoint highWatermark;
    /** The log start offset where it is past the first segment's base ({@link #maybeIncrementLogStartOffset}). */
    final OffsetCheckpoint logStartCheckpoint;
    final LeaderEpochCache epochs;
    private final LogLoader.RecoveryReport recoveryReport;
    final LogFlusher flusher;
    private final LogTruncation truncation = new LogTruncation(this);
    private final LogCompaction compaction = new LogCompaction(this);
    private final LogShutdown shutdown = new LogShutdown(this);
    volatile long logStartOffset;
    volatile long logEndOffset;
    volatile boolean closed;
    /** The I/O error that failed an append or roll, sticky (see {@link #failed}); null while healthy. */
    volatile UncheckedIOException writeFailure;
    /** Bumped by every truncation (under the lock), so a compaction pass can tell it raced one. */
    long truncations;

    private Log(Path dir, LogConfig config, Clock clock, ScheduledExecutorService scheduler) {
        this.dir = dir;
        this.config = config;
        this.clock = clock;
        this.deleter = new SegmentDeleter(scheduler);
        CheckpointFile recoveryPointFile = new CheckpointFile(dir.resolve(LogFiles.RECOVERY_POINT_FILE));
        this.highWatermark = new OffsetCheckpoint(dir, LogFiles.HIGH_WATERMARK_FILE);
        LogLoader.Loaded loaded = LogLoader.load(dir, config, clock.millis(), recoveryPointFile,
            new CheckpointFile(dir.resolve(LogFiles.LEADER_EPOCH_FILE)), () -> this.logEndOffset);
        segments.putAll(loaded.segments());
        this.logStartCheckpoint = new OffsetCheckpoint(dir, LogFiles.LOG_START_OFFSET_FILE);
        this.logEndOffset = loaded.logEndOffset();
        this.epochs = loaded.epochs();
        // A start checkpointed past the first segment's base (records deleted inside a segment)
        // still holds, as far as the recovered log reaches.
        this.logStartOffset = Math.max(loaded.logStartOffset(), Math.min(logStartCheckpoint.read(), loaded.logEndOffset()));
        if (logStartOffset > loaded.logStartOffset()) {
            epochs.truncateFromStart(logStartOffset);
        }
        this.recoveryReport = loaded.report();
        this.flusher = new LogFlusher(dir, config, scheduler, segments, () -> this.logEndOffset, () -> this.closed,
            recoveryPointFile, loaded.recoveryPoint());
    }

    /**
     * Opens (creating if needed) the log in {@code dir}, recovering it if it was not closed cleanly.
     *
     * @param scheduler runs the async flusher and delayed file deletion; owned by the caller
     * @throws UncheckedIOException if the directory cannot be created, read or written
     */
    public static Log open(Path dir, LogConfig config, Clock clock, ScheduledExecutorService scheduler) {
        return new Log(dir, config, clock, scheduler);
    }

    public Path dir() {
        return dir;
    }

    public LogConfig config() {
        return config;
    }

    /**
     * Applies changed settings to the open log: segment size and age, retention, cleanup policy,
     * file delete delay, index sizes of new segments, the flush policy and flush.interval.bytes take
     * effect from the next decision that reads them; {@code flush.interval.ms} keeps the period the
     * log was opened with until it is reopened.
     */
    public void updateConfig(LogConfig updated) {
        if (!updated.equals(config)) {
            config = updated;
            flusher.updateConfig(updated);
        }
    }

    public long logStartOffset() {
        return logStartOffset;
    }

    public long logEndOffset() {
        return logEndOffset;
    }

    /** Every offset below this is known to be on disk. */
    public long recoveryPoint() {
        return flusher.recoveryPoint();
    }

    public LeaderEpochCache leaderEpochCache() {
        return epochs;
    }

    /** What opening the log found and repaired. */
    public LogLoader.RecoveryReport recoveryReport() {
        return recoveryReport;
    }

    public int numberOfSegments() {
        return segments.size();
    }

    /** Base offsets of the segments, oldest first. */
    public List<Long> segmentBaseOffsets() {
        return List.copyOf(segments.keySet());
    }

    public long sizeInBytes() {
        long total = 0;
        for (LogSegment s : segments.values()) {
            total += s.sizeInBytes();
        }
        return total;
    }

    // ---------------------------------------------------------------- append

    /**
     * Appends batches as the partition leader: checks each one, then assigns offsets from the log end
     * offset and stamps {@code leaderEpoch} by rewriting their headers in {@code batches} in place
     * (the CRC does not cover either field).
     *
     * @param batches whole batches from position to limit; their headers are rewritten
     * @throws CorruptBatchException    naming the fault, if any batch is truncated, corrupt or has
     *                                  a header that contradicts itself; nothing is appended then
     * @throws IllegalArgumentException for an empty buffer or a negative epoch
     * @throws java.io.UncheckedIOException under {@code flush.policy=sync}, if the fsync failed
     * @throws IllegalStateException    if the log is closed, or the records were truncated before
     *                                  they were made durable
     */
    public LogAppendInfo appendAsLeader(ByteBuffer batches, int leaderEpoch) {
        return appendAsLeader(ValidatedBatches.check(batches), leaderEpoch);
    }

    /** {@link #appendAsLeader(ByteBuffer, int)} for batches already checked by {@link ValidatedBatches#check}. */
    public LogAppendInfo appendAsLeader(ValidatedBatches validated, int leaderEpoch) {
        return appendAsLeaderDeferred(validated, leaderEpoch).awaitDurable();
    }

    /**
     * {@link #appendAsLeader(ValidatedBatches, int)}, except that under {@code flush.policy=sync} it
     * returns once the batches are written, before they are fsynced: the caller must
     * {@link PendingAppend#awaitDurable} before acknowledging them. For a caller with locks of its
     * own to release first.
     */
    public PendingAppend appendAsLeaderDeferred(ValidatedBatches validated, int leaderEpoch) {
        return LogAppender.appendAsLeader(this, validated, leaderEpoch);
    }

    /**
     * Appends batches copied from the leader, offsets and epochs as they are.
     *
     * @throws InvalidOffsetException if the first batch starts below the log end offset or the
     *                                batches' offsets do not increase
     * @throws CorruptBatchException  naming the fault; nothing is appended then
     */
    public LogAppendInfo appendAsFollower(ByteBuffer batches) {
        return LogAppender.appendAsFollower(this, batches);
    }

    /** Seals the active segment and starts a new one at the log end offset, if the active one holds data. */
    public void roll() {
        lock.lock();
        try {
            ensureOpen();
            LogAppender.roll(this, clock.millis());
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- read

    /**
     * Whole batches starting with the one that holds {@code startOffset}, up to {@code maxBytes}
     * (but at least one whole batch if {@code minOneBatch}), and none holding an offset at or above
     * {@code maxOffset} (the high watermark for consumers; {@link Long#MAX_VALUE} for no bound).
     *
     * @throws OffsetOutOfRangeException if {@code startOffset} is below the log start offset or
     *                                   above the log end offset
     * @throws IllegalArgumentException  for a negative {@code maxBytes}
     */
    public LogReadInfo read(long startOffset, int maxBytes, long maxOffset, boolean minOneBatch) {
        if (maxBytes < 0) {
            throw new IllegalArgumentException("maxBytes must be >= 0, got " + maxBytes);
        }
        long end = logEndOffset;
        long start = logStartOffset;
        return LogReader.read(segments, start, end, startOffset, maxBytes, maxOffset, minOneBatch);
    }

    /**
     * The first record whose timestamp is {@code >= timestamp}, as (its timestamp, its offset); empty
     * if every record is older. Inside a compressed batch that expands past
     * {@code decompression.max.batch.bytes}, the batch's first offset and its max timestamp: a reader
     * starting there misses nothing at or after {@code timestamp}.
     */
    public Optional<TimestampOffset> offsetForTimestamp(long timestamp) {
        return LogReader.offsetForTimestamp(segments, logStartOffset, timestamp, config.maxDecompressedBatchBytes());
    }

    /**
     * Calls {@code visitor} with each batch's header, oldest first (a flyweight reused between
     * calls; only header fields are loaded). For rebuilding state kept beside the log, such as
     * idempotent producers' last sequences.
     */
    public void forEachBatchHeader(Consumer<RecordBatch> visitor) {
        LogReader.forEachBatchHeader(segments, visitor);
    }

    // ---------------------------------------------------------------- retention and truncation

    /**
     * One retention pass: deletes whole sealed segments (never the active one) whose newest record
     * is older than retention.ms, then the oldest sealed segments while the log is larger than
     * retention.bytes, and moves the log start offset up to the first remaining segment.
     *
     * @return the number of segments deleted
     */
    public int deleteOldSegments() {
        return truncation.deleteOldSegments();
    }

    /**
     * Removes every record at or above {@code offset}, as a follower does when its log diverges from
     * a new leader's. Batches are removed whole, so the log may end below {@code offset} if it falls
     * inside a batch. At or above the log end offset no bytes go, but leader-epoch entries starting
     * at or above {@code offset} are still dropped: an epoch this replica began as leader without
     * writing to it starts exactly at the log end, and keeping it would make the follower name it
     * again on its next fetch and diverge forever (issue 12 item 3).
     *
     * @throws IllegalArgumentException for a negative offset
     */
    public void truncateTo(long offset) {
        truncation.truncateTo(offset);
    }

    /**
     * Moves the log start offset up to {@code offset}, as DeleteRecords does on a leader and a
     * follower does when its leader's start moved: records below it are no longer served (a read
     * below it is out of range), whole segments below it are deleted, and the new start is
     * checkpointed first ({@link LogFiles#LOG_START_OFFSET_FILE}), so a restart keeps it even
     * inside a segment. A batch straddling the new start stays whole on disk and may still be
     * served from a read at the start (as Kafka does); its records below the start are not
     * counted. At or below the current start nothing changes.
     *
     * @return the log start offset afterwards
     * @throws IllegalArgumentException if {@code offset} is past the log end offset
     */
    public long maybeIncrementLogStartOffset(long offset) {
        return truncation.maybeIncrementLogStartOffset(offset);
    }

    /** Deletes every segment and restarts the log, empty, at {@code offset}. */
    public void truncateFullyAndStartAt(long offset) {
        truncation.truncateFullyAndStartAt(offset);
    }

    // ---------------------------------------------------------------- compaction

    /**
     * One compaction pass for a log whose {@code cleanup.policy} includes compact: sealed segments
     * below {@code maxOffset} (the high watermark) keep only each key's newest record, and
     * tombstones until {@code delete.retention.ms}. The cleaned copies are written without the
     * log's lock, so appends go on; the swap takes it briefly and is skipped if the log was
     * truncated or the segment removed meanwhile. Readers keep the replaced files until
     * {@code file.delete.delay.ms}. Passes on one log run one at a time.
     */
    public LogCleaner.Result compact(long maxOffset) {
        return compaction.compact(maxOffset);
    }

    // ---------------------------------------------------------------- high watermark checkpoint

    /**
     * Stores the replication high watermark beside the log, atomically. The log itself does not use
     * it; the broker does, to restart with consumers' visibility where it was.
     */
    public void checkpointHighWatermark(long highWatermark) {
        this.highWatermark.write(highWatermark);
    }

    /** The last checkpointed high watermark, or 0 if none was ever written or the file is damaged. */
    public long checkpointedHighWatermark() {
        return highWatermark.read();
    }

    // ---------------------------------------------------------------- flush and close

    /**
     * Forces every byte appended so far to disk and advances the recovery point (and its checkpoint)
     * to the log end offset. Safe from any thread; does not block appends.
     *
     * @throws UncheckedIOException if an fsync fails, now or earlier (a failed fsync is sticky: the
     *                              log must be closed and reopened, which recovers it)
     */
    public void flush() {
        flusher.flush();
    }

    /**
     * Under {@code flush.policy=sync}, returns once every offset below {@code offset} (capped at the
     * log end) is on disk, sharing an fsync with appends in flight; under async, at once. For
     * answering a retried append whose records are already in the log.
     *
     * @throws UncheckedIOException if an fsync fails now or failed before
     */
    public void awaitDurable(long offset) {
        if (config.flushPolicy() == FlushPolicy.SYNC) {
            flusher.awaitDurable(offset);
        }
    }

    /** How many fsync rounds (group commits and flushes) this log has run: for tests. */
    long syncCount() {
        return flusher.groupCommit().syncCount();
    }

    /**
     * Runs {@code hook} in the thread that starts each sync, before it forces anything: for tests
     * (here and in the broker's, which hold an fsync to see who waits for it).
     */
    public void beforeSyncForTest(Runnable hook) {
        flusher.beforeSyncForTest(hook);
    }

    /**
     * Flushes everything, seals the active segment's indexes, releases every file and mapping, and
     * marks the shutdown clean so the next open skips recovery. Idempotent. A {@link #failed} log is
     * closed as by {@link #closeHandlers} instead, so the next open recovers it.
     */
    @Override
    public void close() {
        shutdown.close();
    }

    /**
     * Releases file handles and mappings without flushing, sealing or marking a clean shutdown: for a
     * directory that has failed (a disk error), where writing more would make things worse. The next
     * open recovers the log as after a crash. Idempotent.
     */
    public void closeHandlers() {
        shutdown.closeHandlers();
    }

    /** Closes the log and removes its directory and every file in it. */
    public void delete() {
        shutdown.delete();
    }

    /**
     * Whether a write, roll or fsync of this log failed with an I/O error (a full disk, a failing
     * device). Sticky: the log takes no more appends, {@link #close} leaves no clean-shutdown marker,
     * and the next open recovers it, cutting any torn tail.
     */
    public boolean failed() {
        return writeFailure != null || flusher.groupCommit().failed();
    }

    void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("Log " + dir + " is closed");
        }
    }

    /** {@link #ensureOpen}, and no earlier append or roll failed. */
    void ensureWritable() {
        ensureOpen();
        UncheckedIOException failure = writeFailure;
        if (failure != null) {
            throw new UncheckedIOException("Log " + dir + " failed earlier (" + failure.getMessage()
                + "); it takes no appends until reopened", failure.getCause());
        }
    }

    @Override
    public String toString() {
        return "Log[" + dir + ", start=" + logStartOffset + ", end=" + logEndOffset + ", segments=" + segments.size() + "]";
    }
}
