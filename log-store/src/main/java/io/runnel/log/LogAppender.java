package io.runnel.log;

import io.runnel.record.RecordBatch;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Appends to a {@link Log}: stamps offsets (and, for the leader, the epoch) into the batches'
 * headers in place, records new epochs, rolls to a new segment when the active one is full, old or
 * out of relative offsets, writes the bytes to the active segment, publishes the new log end offset
 * and hands the bytes to the flusher.
 *
 * <p>Static, working on the log's own fields, so an append costs the same as when this code was in
 * {@link Log}: one header flyweight per call, no copy of the batches.
 *
 * <p>Thread-safety: {@link #appendAsLeader} and {@link #appendAsFollower} take the log's lock;
 * {@link #roll} needs the caller to hold it.
 */
final class LogAppender {
    private static final Logger log = LoggerFactory.getLogger(LogAppender.class);

    private LogAppender() {
    }

    /** See {@link Log#appendAsLeaderDeferred}. */
    static PendingAppend appendAsLeader(Log t, ValidatedBatches validated, int leaderEpoch) {
        if (leaderEpoch < 0) {
            throw new IllegalArgumentException("leader epoch must be >= 0, got " + leaderEpoch);
        }
        ByteBuffer batches = validated.batches();
        LogAppendInfo info;
        GroupCommit.Waiter durable;
        t.lock.lock();
        try {
            t.ensureWritable();
            t.flusher.beforeAppend();
            RecordBatch batch = new RecordBatch();
            long next = t.logEndOffset;
            for (int at = batches.position(); at < batches.limit(); at += batch.sizeInBytes()) {
                batch.wrap(batches, at, at);
                batch.baseOffset(next);
                batch.partitionLeaderEpoch(leaderEpoch);
                next = batch.nextOffset();
            }
            t.epochs.assign(leaderEpoch, t.logEndOffset);
            info = appendLocked(t, batches);
            durable = t.flusher.afterAppend(info.bytes(), t.logEndOffset);
        } finally {
            t.lock.unlock();
        }
        return new PendingAppend(info, durable, t.flusher);
    }

    /** See {@link Log#appendAsFollower}. */
    static LogAppendInfo appendAsFollower(Log t, ByteBuffer batches) {
        BatchValidation.validate(batches, false, t.dir());
        LogAppendInfo info;
        GroupCommit.Waiter durable;
        t.lock.lock();
        try {
            t.ensureWritable();
            t.flusher.beforeAppend();
            RecordBatch batch = new RecordBatch();
            long next = t.logEndOffset;
            for (int at = batches.position(); at < batches.limit(); at += batch.sizeInBytes()) {
                batch.wrap(batches, at, at);
                if (batch.baseOffset() < next) {
                    throw new InvalidOffsetException("Follower append out of order in " + t.dir(), batch.baseOffset(),
                        next);
                }
                next = batch.nextOffset();
            }
            for (int at = batches.position(); at < batches.limit(); at += batch.sizeInBytes()) {
                batch.wrap(batches, at, at);
                t.epochs.assign(batch.partitionLeaderEpoch(), batch.baseOffset());
            }
            info = appendLocked(t, batches);
            durable = t.flusher.afterAppend(info.bytes(), t.logEndOffset);
        } finally {
            t.lock.unlock();
        }
        t.flusher.awaitDurable(durable);
        return info;
    }

    private static LogAppendInfo appendLocked(Log t, ByteBuffer batches) {
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
        long now = t.clock.millis();
        try {
            LogSegment active = maybeRoll(t, bytes, last, now);
            active.append(batches, now);
        } catch (UncheckedIOException e) {
            // Sticky: the log is now suspect (Log#failed) until reopened and recovered.
            t.writeFailure = e;
            throw e;
        }
        t.logEndOffset = last + 1;
        return new LogAppendInfo(first, last, maxTimestamp, count, bytes);
    }

    /** The segment to append {@code bytes} ending at {@code lastOffset} to, rolling first if needed. */
    private static LogSegment maybeRoll(Log t, int bytes, long lastOffset, long now) {
        LogConfig config = t.config();
        LogSegment active = t.segments.lastEntry().getValue();
        int size = active.sizeInBytes();
        boolean full = size > 0 && (long) size + bytes > config.segmentBytes();
        boolean old = size > 0 && now - active.rollingBaseTimeMs() >= config.segmentMs();
        boolean offsetsOverflow = lastOffset - active.baseOffset() > Integer.MAX_VALUE;
        if (full || old || offsetsOverflow || (size > 0 && active.indexesFull())) {
            return roll(t, now);
        }
        return active;
    }

    /**
     * Seals the active segment and starts a new one at the log end offset, if the active one holds
     * data; returns the segment that now takes appends. Needs the log's lock.
     */
    static LogSegment roll(Log t, long now) {
        LogSegment active = t.segments.lastEntry().getValue();
        if (active.sizeInBytes() == 0) {
            return active;
        }
        long base = t.logEndOffset;
        removeLeftoverOfFailedRoll(t, base);
        // The new segment first: if it cannot be created, the active one stays as it was, unsealed.
        LogSegment next;
        try {
            next = LogSegment.open(t.dir(), base, t.config(), true, now);
        } catch (UncheckedIOException e) {
            t.writeFailure = e;
            throw e;
        }
        active.onBecomeInactive();
        t.segments.put(base, next);
        // The new file's directory entry is fsynced by the next flush, before the recovery point passes
        // into it, instead of here under the lock.
        t.flusher.onRoll();
        return next;
    }

    /**
     * An empty segment file at the new base offset that no segment owns is what a roll that failed
     * half-way (a full disk, before the segment cleaned up after itself, or a crash) left behind:
     * it holds nothing, so it goes, rather than blocking every later roll. A non-empty one is a bug
     * and stays, refused.
     */
    private static void removeLeftoverOfFailedRoll(Log t, long base) {
        Path file = LogFiles.logFile(t.dir(), base);
        try {
            if (!Files.exists(file)) {
                return;
            }
            if (Files.size(file) > 0) {
                throw new IllegalStateException("Cannot roll " + t.dir() + ": segment file for offset " + base
                    + " already exists and holds " + Files.size(file) + " bytes");
            }
            log.warn("Removing the empty segment file {} a failed roll left behind", file);
            Files.deleteIfExists(LogFiles.offsetIndexFile(t.dir(), base));
            Files.deleteIfExists(LogFiles.timeIndexFile(t.dir(), base));
            Files.delete(file);
        } catch (IOException e) {
            UncheckedIOException failure = new UncheckedIOException("Cannot remove the leftover segment file " + file, e);
            t.writeFailure = failure;
            throw failure;
        }
    }
}
