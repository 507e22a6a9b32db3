package io.runnel.log;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Deletes the files of segments a {@link Log} has removed (by retention, truncation or compaction),
 * after {@code file.delete.delay.ms}, so that a reader still holding one keeps reading it; the
 * segment is renamed with the {@code .deleted} suffix first, so a restart in between removes it.
 *
 * <p>Thread-safety: {@link #delete} and {@link #deleteLater} are called under the log's lock; the
 * delayed deletion runs on the scheduler and races only with {@link #deleteAllNow} and
 * {@link #closeAll}, which it loses cleanly (each segment is removed from the pending set once).
 */
final class SegmentDeleter {
    private final ScheduledExecutorService scheduler;
    /** Removed segments whose files wait out the delete delay; closed at the latest by the log's close. */
    private final Set<LogSegment> pending = ConcurrentHashMap.newKeySet();

    /** @param scheduler runs the delayed deletions; owned by the caller */
    SegmentDeleter(ScheduledExecutorService scheduler) {
        this.scheduler = scheduler;
    }

    /** Renames {@code segment}'s files with the .deleted suffix and deletes them after the delay. */
    void delete(LogSegment segment, LogConfig config) {
        segment.markDeleted();
        deleteLater(segment, config);
    }

    /** Deletes a segment already renamed with the .deleted suffix, after the configured delay. */
    void deleteLater(LogSegment segment, LogConfig config) {
        if (config.fileDeleteDelayMs() == 0) {
            segment.deleteFiles();
            return;
        }
        pending.add(segment);
        scheduler.schedule(() -> {
            if (pending.remove(segment)) {
                segment.deleteFiles();
            }
        }, config.fileDeleteDelayMs(), TimeUnit.MILLISECONDS);
    }

    /** Deletes every waiting segment's files now: for a clean close. */
    void deleteAllNow() {
        for (LogSegment segment : pending) {
            segment.deleteFiles();
        }
        pending.clear();
    }

    /** Releases every waiting segment's files without deleting them: for a failed directory. */
    void closeAll() {
        pending.forEach(LogSegment::close);
        pending.clear();
    }
}
