package io.runnel.log;

import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves a {@link Log}'s bounds inward by removing whole segments: retention from the start,
 * truncation from the end (a follower diverging from its leader), and a full reset to a new start.
 * Each step publishes the new bound before any file goes away, and trims the leader-epoch history
 * and the flusher's recovery point to match.
 *
 * <p>Thread-safety: every method takes the log's lock, then (for truncation) the flush lock, so a
 * background flush never writes into a segment being cut. Lock order as in {@link Log}.
 */
final class LogTruncation {
    private static final Logger log = LoggerFactory.getLogger(LogTruncation.class);

    private final Log target;

    LogTruncation(Log target) {
        this.target = target;
    }

    /** See {@link Log#deleteOldSegments}. */
    int deleteOldSegments() {
        Log t = target;
        t.lock.lock();
        try {
            t.ensureOpen();
            List<LogSegment> doomed = RetentionPolicy.segmentsToDelete(t.segments.values(), t.config(), t.clock.millis());
            if (doomed.isEmpty()) {
                return 0;
            }
            for (LogSegment segment : doomed) {
                t.segments.remove(segment.baseOffset());
            }
            // Publish the new start before any file goes away, so reads fail cleanly as out of range.
            t.logStartOffset = t.segments.firstKey();
            t.epochs.truncateFromStart(t.logStartOffset);
            t.flusher.onStartMoved(t.logStartOffset);
            for (LogSegment segment : doomed) {
                t.deleter.delete(segment, t.config());
            }
            log.info("Retention deleted {} segments of {}; log start offset is now {}", doomed.size(), t.dir(),
                t.logStartOffset);
            return doomed.size();
        } finally {
            t.lock.unlock();
        }
    }

    /** See {@link Log#truncateTo}. */
    void truncateTo(long offset) {
        if (offset < 0) {
            throw new IllegalArgumentException("truncation offset must be >= 0, got " + offset);
        }
        Log t = target;
        t.lock.lock();
        try {
            t.ensureOpen();
            if (offset >= t.logEndOffset) {
                t.epochs.truncateFromEnd(offset);
                return;
            }
            if (offset <= t.logStartOffset) {
                truncateFullyAndStartAtLocked(offset);
                return;
            }
            t.flusher.exclusive(() -> {
                t.truncations++;
                LogSegment previousActive = t.segments.lastEntry().getValue();
                // offset > logStartOffset, so the first segment survives this.
                for (Long base : new ArrayList<>(t.segments.tailMap(offset, true).keySet())) {
                    t.deleter.delete(t.segments.remove(base), t.config());
                }
                LogSegment last = t.segments.lastEntry().getValue();
                long firstRemoved = last.truncateTo(offset);
                if (last != previousActive) {
                    last.reopenForAppends();
                }
                t.logEndOffset = Math.min(offset, firstRemoved);
                t.epochs.truncateFromEnd(t.logEndOffset);
                t.flusher.onTruncated(t.logEndOffset);
            });
        } finally {
            t.lock.unlock();
        }
    }

    /** See {@link Log#truncateFullyAndStartAt}. */
    void truncateFullyAndStartAt(long offset) {
        if (offset < 0) {
            throw new IllegalArgumentException("new start offset must be >= 0, got " + offset);
        }
        Log t = target;
        t.lock.lock();
        try {
            t.ensureOpen();
            truncateFullyAndStartAtLocked(offset);
        } finally {
            t.lock.unlock();
        }
    }

    /** Needs the log's lock. */
    private void truncateFullyAndStartAtLocked(long offset) {
        Log t = target;
        t.flusher.exclusive(() -> {
            t.truncations++;
            List<LogSegment> all = new ArrayList<>(t.segments.values());
            t.segments.clear();
            for (LogSegment segment : all) {
                t.deleter.delete(segment, t.config());
            }
            t.segments.put(offset, LogSegment.open(t.dir(), offset, t.config(), true, t.clock.millis()));
            t.logStartOffset = offset;
            t.logEndOffset = offset;
            t.epochs.clear();
            t.flusher.onReset(offset);
        });
    }
}
