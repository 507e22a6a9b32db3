package io.runnel.log;

import io.runnel.record.CorruptBatchException;
import io.runnel.record.RecordBatch;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 * <p>Design note: the operations that move the log's bounds (append, roll, retention, truncation,
 * close) live here, next to the lock they share; getting bytes to disk, validation, retention
 * choice and recovery are in classes of their own.
 */
public final class Log implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(Log.class);

    private final Path dir;
    /** Replaced whole by {@link #updateConfig}; read once per decision. */
    private volatile LogConfig config;
    private final Clock clock;
    private final ScheduledExecutorService scheduler;
    private final ReentrantLock lock = new ReentrantLock();
    private final ConcurrentNavigableMap<Long, LogSegment> segments = new ConcurrentSkipListMap<>();
    /** Removed segments whose files wait out the delete delay; closed at the latest by {@link #close}. */
    private final Set<LogSegment> pendingDeletes = ConcurrentHashMap.newKeySet();
    private final CheckpointFile highWatermarkFile;
    /** The log start offset where it is past the first segment's base ({@link #maybeIncrementLogStartOffset}). */
    private final CheckpointFile logStartFile;
    private final LeaderEpochCache epochs;
    private final LogLoader.RecoveryReport recoveryReport;
    private final LogFlusher flusher;
    private volatile long logStartOffset;
    private volatile long logEndOffset;
    private volatile boolean closed;
    /** Bumped by every truncation (under the lock), so a compaction pass can tell it raced one. */
    private long truncations;
    private final Object cleanerLock = new Object();

    private Log(Path dir, LogConfig config, Clock clock, ScheduledExecutorService scheduler) {
        this.dir = dir;
        this.config = config;
        this.clock = clock;
        this.scheduler = scheduler;
        CheckpointFile recoveryPointFile = new CheckpointFile(dir.resolve(LogFiles.RECOVERY_POINT_FILE));
        this.highWatermarkFile = new CheckpointFile(dir.resolve(LogFiles.HIGH_WATERMARK_FILE));
        LogLoader.Loaded loaded = LogLoader.load(dir, config, clock.millis(), recoveryPointFile,
            new CheckpointFile(dir.resolve(LogFiles.LEADER_EPOCH_FILE)), () -> this.logEndOffset);
        segments.putAll(loaded.segments());
        this.logStartFile = new CheckpointFile(dir.resolve(LogFiles.LOG_START_OFFSET_FILE));
        this.logEndOffset = loaded.logEndOffset();
        this.epochs = loaded.epochs();
        // A start checkpointed past the first segment's base (records deleted inside a segment)
        // still holds, as far as the recovered log reaches.
        this.logStartOffset = Math.max(loaded.logStartOffset(), Math.min(checkpointedLogStart(), loaded.logEndOffset()));
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
        if (leaderEpoch < 0) {
            throw new IllegalArgumentException("leader epoch must be >= 0, got " + leaderEpoch);
        }
        ByteBuffer batches = validated.batches();
        LogAppendInfo info;
        GroupCommit.Waiter durable;
        lock.lock();
        try {
            ensureOpen();
            flusher.beforeAppend();
            RecordBatch batch = new RecordBatch();
            long next = logEndOffset;
            for (int at = batches.position(); at < batches.limit(); at += batch.sizeInBytes()) {
                batch.wrap(batches, at, at);
                batch.baseOffset(next);
                batch.partitionLeaderEpoch(leaderEpoch);
                next = batch.nextOffset();
            }
            epochs.assign(leaderEpoch, logEndOffset);
            info = appendLocked(batches);
            durable = flusher.afterAppend(info.bytes(), logEndOffset);
        } finally {
            lock.unlock();
        }
        return new PendingAppend(info, durable, flusher);
    }

    /**
     * Appends batches copied from the leader, offsets and epochs as they are.
     *
     * @throws InvalidOffsetException if the first batch starts below the log end offset or the
     *                                batches' offsets do not increase
     * @throws CorruptBatchException  naming the fault; nothing is appended then
     */
    public LogAppendInfo appendAsFollower(ByteBuffer batches) {
        BatchValidation.validate(batches, false, dir);
        LogAppendInfo info;
        GroupCommit.Waiter durable;
        lock.lock();
        try {
            ensureOpen();
            flusher.beforeAppend();
            RecordBatch batch = new RecordBatch();
            long next = logEndOffset;
            for (int at = batches.position(); at < batches.limit(); at += batch.sizeInBytes()) {
                batch.wrap(batches, at, at);
                if (batch.baseOffset() < next) {
                    throw new InvalidOffsetException("Follower append out of order in " + dir, batch.baseOffset(), next);
                }
                next = batch.nextOffset();
            }
            for (int at = batches.position(); at < batches.limit(); at += batch.sizeInBytes()) {
                batch.wrap(batches, at, at);
                epochs.assign(batch.partitionLeaderEpoch(), batch.baseOffset());
            }
            info = appendLocked(batches);
            durable = flusher.afterAppend(info.bytes(), logEndOffset);
        } finally {
            lock.unlock();
        }
        flusher.awaitDurable(durable);
        return info;
    }

    private LogAppendInfo appendLocked(ByteBuffer batches) {
        RecordBatch batch = new RecordBatch();
        long first = RecordBatch.of(batches).baseOffset();
        long last = first;
        long maxTimestamp = -1;
        int count = 0;
        for (int at = batches.position(); at < batches.limit(); at += batch.sizeInBytes()) {
            batch.wrap(batches, at, at);
            last = batch.lastOffset();
            maxTimestamp = Math.max(maxTimestamp, batch.maxTimestamp());
            count++;
        }
        int bytes = batches.remaining();
        long now = clock.millis();
        LogSegment active = maybeRoll(bytes, last, now);
        active.append(batches, now);
        logEndOffset = last + 1;
        return new LogAppendInfo(first, last, maxTimestamp, count, bytes);
    }

    /** The segment to append {@code bytes} ending at {@code lastOffset} to, rolling first if needed. */
    private LogSegment maybeRoll(int bytes, long lastOffset, long now) {
        LogSegment active = segments.lastEntry().getValue();
        int size = active.sizeInBytes();
        boolean full = size > 0 && (long) size + bytes > config.segmentBytes();
        boolean old = size > 0 && now - active.rollingBaseTimeMs() >= config.segmentMs();
        boolean offsetsOverflow = lastOffset - active.baseOffset() > Integer.MAX_VALUE;
        if (full || old || offsetsOverflow || (size > 0 && active.indexesFull())) {
            return rollLocked(now);
        }
        return active;
    }

    /** Seals the active segment and starts a new one at the log end offset, if the active one holds data. */
    public void roll() {
        lock.lock();
        try {
            ensureOpen();
            rollLocked(clock.millis());
        } finally {
            lock.unlock();
        }
    }

    private LogSegment rollLocked(long now) {
        LogSegment active = segments.lastEntry().getValue();
        if (active.sizeInBytes() == 0) {
            return active;
        }
        long base = logEndOffset;
        if (Files.exists(LogFiles.logFile(dir, base))) {
            throw new IllegalStateException("Cannot roll " + dir + ": segment file for offset " + base + " already exists");
        }
        active.onBecomeInactive();
        LogSegment next = LogSegment.open(dir, base, config, true, now);
        segments.put(base, next);
        // The new file's directory entry is fsynced by the next flush, before the recovery point passes
        // into it, instead of here under the lock.
        flusher.onRoll();
        return next;
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
        if (startOffset < start || startOffset > end) {
            throw new OffsetOutOfRangeException(startOffset, start, end);
        }
        long upTo = Math.min(maxOffset, end);
        if (startOffset >= upTo) {
            return new LogReadInfo(startOffset, FileSlice.EMPTY, start, end);
        }
        Map.Entry<Long, LogSegment> entry = segments.floorEntry(startOffset);
        while (entry != null) {
            LogSegment segment = entry.getValue();
            Map.Entry<Long, LogSegment> next = segments.higherEntry(entry.getKey());
            int maxPosition = segment.sizeInBytes();
            if (next == null || next.getKey() > upTo) {
                // Stop before the batch holding upTo; if upTo falls inside a batch, that batch is left
                // out whole, since a partial batch cannot be served.
                LogSegment.BatchPosition bound = segment.translateOffset(upTo, maxPosition);
                if (bound != null) {
                    maxPosition = bound.position();
                }
            }
            FileSlice slice = segment.read(startOffset, maxBytes, maxPosition, minOneBatch);
            if (slice != null && slice.size() > 0) {
                return new LogReadInfo(startOffset, slice, start, end);
            }
            if (next == null || next.getKey() >= upTo) {
                break;
            }
            entry = next;
        }
        return new LogReadInfo(startOffset, FileSlice.EMPTY, start, end);
    }

    /**
     * The first record whose timestamp is {@code >= timestamp}, as (its timestamp, its offset); empty
     * if every record is older.
     */
    public Optional<TimestampOffset> offsetForTimestamp(long timestamp) {
        long start = logStartOffset;
        for (LogSegment segment : segments.values()) {
            if (segment.largestTimestamp() >= timestamp) {
                Optional<TimestampOffset> found = segment.findOffsetByTimestamp(timestamp, start);
                if (found.isPresent()) {
                    return found;
                }
            }
        }
        return Optional.empty();
    }

    /**
     * Calls {@code visitor} with each batch's header, oldest first (a flyweight reused between
     * calls; only header fields are loaded). For rebuilding state kept beside the log, such as
     * idempotent producers' last sequences.
     */
    public void forEachBatchHeader(java.util.function.Consumer<RecordBatch> visitor) {
        for (LogSegment segment : segments.values()) {
            segment.forEachBatchHeader(visitor);
        }
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
        lock.lock();
        try {
            ensureOpen();
            List<LogSegment> doomed = RetentionPolicy.segmentsToDelete(segments.values(), config, clock.millis());
            if (doomed.isEmpty()) {
                return 0;
            }
            for (LogSegment segment : doomed) {
                segments.remove(segment.baseOffset());
            }
            // Publish the new start before any file goes away, so reads fail cleanly as out of range.
            logStartOffset = Math.max(logStartOffset, segments.firstKey());
            epochs.truncateFromStart(logStartOffset);
            flusher.onStartMoved(logStartOffset);
            doomed.forEach(this::deleteSegment);
            log.info("Retention deleted {} segments of {}; log start offset is now {}", doomed.size(), dir, logStartOffset);
            return doomed.size();
        } finally {
            lock.unlock();
        }
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
        if (offset < 0) {
            throw new IllegalArgumentException("truncation offset must be >= 0, got " + offset);
        }
        lock.lock();
        try {
            ensureOpen();
            if (offset >= logEndOffset) {
                epochs.truncateFromEnd(offset);
                return;
            }
            if (offset <= logStartOffset) {
                truncateFullyAndStartAtLocked(offset);
                return;
            }
            flusher.exclusive(() -> {
                truncations++;
                LogSegment previousActive = segments.lastEntry().getValue();
                // offset > logStartOffset, so the first segment survives this.
                for (Long base : new ArrayList<>(segments.tailMap(offset, true).keySet())) {
                    deleteSegment(segments.remove(base));
                }
                LogSegment last = segments.lastEntry().getValue();
                long firstRemoved = last.truncateTo(offset);
                if (last != previousActive) {
                    last.reopenForAppends();
                }
                logEndOffset = Math.min(offset, firstRemoved);
                epochs.truncateFromEnd(logEndOffset);
                flusher.onTruncated(logEndOffset);
            });
        } finally {
            lock.unlock();
        }
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
        lock.lock();
        try {
            ensureOpen();
            if (offset > logEndOffset) {
                throw new IllegalArgumentException("new log start offset " + offset + " is past the log end offset "
                    + logEndOffset + " of " + dir);
            }
            if (offset <= logStartOffset) {
                return logStartOffset;
            }
            logStartFile.write(List.<long[]>of(new long[] {offset}));
            logStartOffset = offset;
            epochs.truncateFromStart(offset);
            List<LogSegment> doomed = new ArrayList<>();
            for (Map.Entry<Long, LogSegment> e : segments.headMap(offset, true).entrySet()) {
                Long next = segments.higherKey(e.getKey());
                if (next != null && next <= offset) {
                    doomed.add(e.getValue());
                }
            }
            if (!doomed.isEmpty()) {
                doomed.forEach(segment -> segments.remove(segment.baseOffset()));
                flusher.onStartMoved(segments.firstKey());
                doomed.forEach(this::deleteSegment);
            }
            log.info("Log start offset of {} moved to {} ({} whole segments deleted)", dir, offset, doomed.size());
            return offset;
        } finally {
            lock.unlock();
        }
    }

    private long checkpointedLogStart() {
        try {
            return logStartFile.read(1).filter(l -> l.size() == 1).map(l -> l.get(0)[0]).orElse(0L);
        } catch (CheckpointFile.CorruptCheckpointException e) {
            // Only a deletion of records is lost: they reappear, nothing acknowledged is missing.
            log.warn("Ignoring a damaged log-start-offset checkpoint: {}", e.getMessage());
            return 0L;
        }
    }

    /** Deletes every segment and restarts the log, empty, at {@code offset}. */
    public void truncateFullyAndStartAt(long offset) {
        if (offset < 0) {
            throw new IllegalArgumentException("new start offset must be >= 0, got " + offset);
        }
        lock.lock();
        try {
            ensureOpen();
            truncateFullyAndStartAtLocked(offset);
        } finally {
            lock.unlock();
        }
    }

    private void truncateFullyAndStartAtLocked(long offset) {
        flusher.exclusive(() -> {
            truncations++;
            List<LogSegment> all = new ArrayList<>(segments.values());
            segments.clear();
            for (LogSegment segment : all) {
                deleteSegment(segment);
            }
            segments.put(offset, LogSegment.open(dir, offset, config, true, clock.millis()));
            logStartOffset = offset;
            logEndOffset = offset;
            logStartFile.write(List.<long[]>of(new long[] {offset}));
            epochs.clear();
            flusher.onReset(offset);
        });
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
        synchronized (cleanerLock) {
            List<LogSegment> snapshot;
            long truncationsBefore;
            lock.lock();
            try {
                ensureOpen();
                if (!config.cleanupPolicy().compacts()) {
                    return LogCleaner.Result.NOTHING;
                }
                snapshot = new ArrayList<>(segments.values());
                truncationsBefore = truncations;
            } finally {
                lock.unlock();
            }
            List<LogCleaner.Staged> staged = LogCleaner.stage(dir, snapshot, config, maxOffset, clock.millis());
            if (staged.isEmpty()) {
                return LogCleaner.Result.NOTHING;
            }
            int rewritten = 0;
            long before = 0;
            long after = 0;
            long removed = 0;
            lock.lock();
            try {
                for (LogCleaner.Staged st : staged) {
                    long base = st.original().baseOffset();
                    if (closed || truncations != truncationsBefore || segments.get(base) != st.original()) {
                        LogCleaner.discard(st.staging());
                        continue;
                    }
                    LogSegment fresh = LogCleaner.swap(dir, st, config, clock.millis());
                    segments.put(base, fresh);
                    scheduleDelete(st.original());
                    rewritten++;
                    before += st.original().sizeInBytes();
                    after += fresh.sizeInBytes();
                    removed += st.recordsRemoved();
                }
            } finally {
                lock.unlock();
            }
            if (rewritten > 0) {
                log.info("Compacted {}: {} segments, {} -> {} bytes, {} records removed", dir, rewritten, before, after, removed);
            }
            return new LogCleaner.Result(rewritten, before, after, removed);
        }
    }

    private void deleteSegment(LogSegment segment) {
        segment.markDeleted();
        scheduleDelete(segment);
    }

    /** Deletes a segment already renamed with the .deleted suffix, after the configured delay. */
    private void scheduleDelete(LogSegment segment) {
        if (config.fileDeleteDelayMs() == 0) {
            segment.deleteFiles();
            return;
        }
        pendingDeletes.add(segment);
        scheduler.schedule(() -> {
            if (pendingDeletes.remove(segment)) {
                segment.deleteFiles();
            }
        }, config.fileDeleteDelayMs(), TimeUnit.MILLISECONDS);
    }

    // ---------------------------------------------------------------- high watermark checkpoint

    /**
     * Stores the replication high watermark beside the log, atomically. The log itself does not use
     * it; the broker does, to restart with consumers' visibility where it was.
     */
    public void checkpointHighWatermark(long highWatermark) {
        synchronized (highWatermarkFile) {
            highWatermarkFile.write(List.<long[]>of(new long[] {highWatermark}));
        }
    }

    /** The last checkpointed high watermark, or 0 if none was ever written or the file is damaged. */
    public long checkpointedHighWatermark() {
        try {
            return highWatermarkFile.read(1).filter(l -> l.size() == 1).map(l -> l.get(0)[0]).orElse(0L);
        } catch (CheckpointFile.CorruptCheckpointException e) {
            log.warn("Ignoring a damaged high-watermark checkpoint: {}", e.getMessage());
            return 0L;
        }
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
     * marks the shutdown clean so the next open skips recovery. Idempotent.
     */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            flusher.stop();
            flush();
            closed = true;
            flusher.close();
            segments.lastEntry().getValue().onBecomeInactive();
            for (LogSegment segment : segments.values()) {
                segment.close();
            }
            for (LogSegment segment : pendingDeletes) {
                segment.deleteFiles();
            }
            pendingDeletes.clear();
            Files.createFile(dir.resolve(LogFiles.CLEAN_SHUTDOWN_FILE));
            CheckpointFile.fsyncDirectory(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot mark " + dir + " as cleanly shut down", e);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Releases file handles and mappings without flushing, sealing or marking a clean shutdown: for a
     * directory that has failed (a disk error), where writing more would make things worse. The next
     * open recovers the log as after a crash. Idempotent.
     */
    public void closeHandlers() {
        lock.lock();
        try {
            // A background flush in flight must not write after we return.
            flusher.exclusive(() -> {
                if (closed) {
                    return;
                }
                closed = true;
                flusher.close();
                for (LogSegment segment : segments.values()) {
                    segment.close();
                }
                pendingDeletes.forEach(LogSegment::close);
                pendingDeletes.clear();
            });
        } finally {
            lock.unlock();
        }
    }

    /** Closes the log and removes its directory and every file in it. */
    public void delete() {
        close();
        try (var files = Files.list(dir)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Files.deleteIfExists(file);
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot delete log directory " + dir, e);
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("Log " + dir + " is closed");
        }
    }

    @Override
    public String toString() {
        return "Log[" + dir + ", start=" + logStartOffset + ", end=" + logEndOffset + ", segments=" + segments.size() + "]";
    }
}
