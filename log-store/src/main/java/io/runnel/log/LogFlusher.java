package io.runnel.log;

import java.io.UncheckedIOException;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Getting a {@link Log}'s bytes to disk: the recovery point (the durable offset, kept by a
 * {@link GroupCommit}) and its checkpoint, the background flusher of {@code flush.policy=async},
 * and group commit for {@code flush.policy=sync}.
 *
 * <p>A sync forces, oldest first, every segment from the one holding the recovery point to the
 * active one (so a segment sealed by a roll is on disk before the recovery point passes it), then
 * the directory if a roll created a file since the last sync, and only then lets the recovery
 * point move. Syncs run under {@link #flushLock}, never under the log's lock; the log takes
 * {@link #flushLock} (after its own) around truncation and when closing, so neither runs while a
 * sync is forcing files.
 */
final class LogFlusher {
    private static final Logger log = LoggerFactory.getLogger(LogFlusher.class);

    private final Path dir;
    private volatile LogConfig config;
    private final ScheduledExecutorService scheduler;
    private final NavigableMap<Long, LogSegment> segments;
    private final LongSupplier logEndOffset;
    private final BooleanSupplier closed;
    private final CheckpointFile recoveryPointFile;
    private final ReentrantLock flushLock = new ReentrantLock();
    private final GroupCommit groupCommit;
    private final AtomicLong unflushedBytes = new AtomicLong();
    private final AtomicBoolean flushQueued = new AtomicBoolean();
    /** Set when a segment file is created; the next sync fsyncs the directory before moving the recovery point. */
    private final AtomicBoolean directoryDirty = new AtomicBoolean();
    private final ScheduledFuture<?> periodic;
    private volatile long checkpointedRecoveryPoint;
    /** Runs at the start of every sync, before the flush lock: a seam for tests to hold a sync in flight. */
    private volatile Runnable beforeSync = () -> { };

    LogFlusher(Path dir, LogConfig config, ScheduledExecutorService scheduler, NavigableMap<Long, LogSegment> segments,
               LongSupplier logEndOffset, BooleanSupplier closed, CheckpointFile recoveryPointFile, long recoveryPoint) {
        this.dir = dir;
        this.config = config;
        this.scheduler = scheduler;
        this.segments = segments;
        this.logEndOffset = logEndOffset;
        this.closed = closed;
        this.recoveryPointFile = recoveryPointFile;
        this.checkpointedRecoveryPoint = recoveryPoint;
        this.groupCommit = new GroupCommit(dir.toString(), recoveryPoint, this::syncSegments);
        this.periodic = scheduler.scheduleWithFixedDelay(this::periodicFlush, config.flushIntervalMs(),
            config.flushIntervalMs(), TimeUnit.MILLISECONDS);
    }

    /** The log's settings changed: flush policy and flush.interval.bytes apply from the next append. */
    void updateConfig(LogConfig updated) {
        config = updated;
    }

    long recoveryPoint() {
        return groupCommit.durableOffset();
    }

    GroupCommit groupCommit() {
        return groupCommit;
    }

    /** Before writing: a sync-policy append must not write what it could never make durable. */
    void beforeAppend() {
        if (config.flushPolicy() == FlushPolicy.SYNC) {
            groupCommit.ensureHealthy();
        }
    }

    /**
     * After writing {@code bytes} ending below {@code end}, under the log's lock.
     *
     * @return for {@code flush.policy=sync}, the waiter to pass to {@link #awaitDurable} once the
     *         log's lock is released; otherwise null
     */
    GroupCommit.Waiter afterAppend(int bytes, long end) {
        unflushedBytes.addAndGet(bytes);
        if (config.flushPolicy() == FlushPolicy.SYNC) {
            return groupCommit.enqueue(end);
        }
        if (unflushedBytes.get() >= config.flushIntervalBytes() && flushQueued.compareAndSet(false, true)) {
            scheduler.execute(() -> {
                flushQueued.set(false);
                flushQuietly();
            });
        }
        return null;
    }

    /** Returns once the append behind {@code waiter} is on disk (null: nothing to wait for). Call without the log's lock. */
    void awaitDurable(GroupCommit.Waiter waiter) {
        if (waiter != null) {
            groupCommit.await(waiter);
        }
    }

    /** A segment file was created (under the log's lock). */
    void onSegmentCreated() {
        directoryDirty.set(true);
    }

    /** A segment was sealed by a roll (under the log's lock). */
    void onRoll() {
        onSegmentCreated();
        if (config.flushPolicy() == FlushPolicy.ASYNC) {
            // The sealed segment will not be written again: get it to disk without waiting for the timer.
            scheduler.execute(this::flushQuietly);
        }
    }

    /** Runs {@code action} with no sync in progress (for truncation and closing; called under the log's lock). */
    void exclusive(Runnable action) {
        flushLock.lock();
        try {
            action.run();
        } finally {
            flushLock.unlock();
        }
    }

    /** The log was truncated to end at {@code logEnd} (inside {@link #exclusive}). */
    void onTruncated(long logEnd) {
        groupCommit.truncateTo(logEnd);
        checkpointRecoveryPoint();
    }

    /** The log was emptied and restarted at {@code offset} with a new segment (inside {@link #exclusive}). */
    void onReset(long offset) {
        onSegmentCreated();
        groupCommit.resetTo(offset);
        checkpointRecoveryPoint();
    }

    /** Retention moved the log start to {@code logStart}: nothing below it needs flushing. */
    void onStartMoved(long logStart) {
        groupCommit.advanceTo(logStart);
    }

    /**
     * Forces every byte appended so far to disk and advances the recovery point (and its checkpoint)
     * to the log end offset. Safe from any thread; does not block appends; shares an fsync with
     * sync-policy appends in flight.
     *
     * @throws UncheckedIOException if an fsync fails now or failed before
     */
    void flush() {
        awaitDurable(Long.MAX_VALUE);
        checkpointRecoveryPoint();
    }

    /**
     * Returns once everything below {@code offset} (capped at the log end) is on disk, sharing an
     * fsync with appends in flight. A concurrent truncation lowers the target rather than failing.
     *
     * @throws UncheckedIOException if an fsync fails now or failed before
     */
    void awaitDurable(long offset) {
        GroupCommit.Waiter w;
        // Under flushLock, so no truncation falls between reading the log end and registering for it.
        flushLock.lock();
        try {
            w = groupCommit.enqueue(Math.min(offset, logEndOffset.getAsLong()), true);
        } finally {
            flushLock.unlock();
        }
        groupCommit.await(w);
    }

    /** The group commit's sync: force every segment from the recovery point's to the active one. */
    private long syncSegments() {
        beforeSync.run();
        flushLock.lock();
        try {
            if (closed.getAsBoolean()) {
                throw new IllegalStateException("Log " + dir + " is closed");
            }
            long upTo = logEndOffset.getAsLong();
            // Read after upTo: a roll marks the directory before the log end passes the new segment's base.
            boolean directory = directoryDirty.getAndSet(false);
            long from = groupCommit.durableOffset();
            if (upTo <= from && !directory) {
                return upTo;
            }
            long unflushed = unflushedBytes.get();
            Long first = segments.floorKey(from);
            Map.Entry<Long, LogSegment> activeEntry = segments.lastEntry();
            LogSegment active = activeEntry.getValue();
            for (LogSegment segment : segments.tailMap(first == null ? segments.firstKey() : first, true).values()) {
                try {
                    // The active segment's indexes are rebuilt by recovery after any crash (it always
                    // holds the recovery point), so only its data needs forcing.
                    if (segment == active) {
                        segment.flushLog();
                    } else {
                        segment.flush();
                    }
                } catch (UncheckedIOException e) {
                    // Retention may close a removed segment under us; only live ones matter.
                    if (!(e.getCause() instanceof ClosedChannelException) || segments.containsValue(segment)) {
                        directoryDirty.compareAndSet(false, directory);
                        throw e;
                    }
                }
            }
            if (directory) {
                CheckpointFile.fsyncDirectory(dir);
            }
            unflushedBytes.addAndGet(-unflushed);
            // Truncation needs flushLock, so upTo is still within the log here.
            return upTo;
        } finally {
            flushLock.unlock();
        }
    }

    private void periodicFlush() {
        if (config.flushPolicy() == FlushPolicy.ASYNC) {
            flushQuietly();
        } else {
            checkpointRecoveryPoint();
        }
    }

    void flushQuietly() {
        if (closed.getAsBoolean() || groupCommit.failed()) {
            return; // a failed fsync was logged by whoever hit it; the log waits to be reopened
        }
        try {
            flush();
        } catch (RuntimeException e) {
            log.error("Background flush of {} failed", dir, e);
        }
    }

    /** Writes the recovery point to its checkpoint file if it moved; under flushLock, so never behind a truncation. */
    void checkpointRecoveryPoint() {
        flushLock.lock();
        try {
            long point = groupCommit.durableOffset();
            if (point != checkpointedRecoveryPoint && !closed.getAsBoolean()) {
                recoveryPointFile.write(List.<long[]>of(new long[] {point}));
                checkpointedRecoveryPoint = point;
            }
        } finally {
            flushLock.unlock();
        }
    }

    void beforeSyncForTest(Runnable hook) {
        beforeSync = hook;
    }

    /** Stops the periodic flusher (before the final flush of a close). */
    void stop() {
        periodic.cancel(false);
    }

    /** After the log is closed: waiters still pending fail, new ones are refused. */
    void close() {
        periodic.cancel(false);
        groupCommit.close();
    }
}
