package io.runnel.log;

import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs compaction passes on one {@link Log}: snapshots its segments under the log's lock, has
 * {@link LogCleaner} write cleaned copies without the lock (so appends go on), then swaps them in
 * under the lock, skipping any segment the log truncated or removed meanwhile.
 *
 * <p>Thread-safety: passes on one log run one at a time (serialized on this object); the snapshot
 * and swap take the log's lock briefly.
 */
final class LogCompaction {
    private static final Logger log = LoggerFactory.getLogger(LogCompaction.class);

    private final Log target;

    LogCompaction(Log target) {
        this.target = target;
    }

    /** See {@link Log#compact}. */
    synchronized LogCleaner.Result compact(long maxOffset) {
        Log t = target;
        List<LogSegment> snapshot;
        long truncationsBefore;
        t.lock.lock();
        try {
            t.ensureOpen();
            if (!t.config().cleanupPolicy().compacts()) {
                return LogCleaner.Result.NOTHING;
            }
            snapshot = new ArrayList<>(t.segments.values());
            truncationsBefore = t.truncations;
        } finally {
            t.lock.unlock();
        }
        List<LogCleaner.Staged> staged = LogCleaner.stage(t.dir(), snapshot, t.config(), maxOffset, t.clock.millis());
        if (staged.isEmpty()) {
            return LogCleaner.Result.NOTHING;
        }
        int rewritten = 0;
        long before = 0;
        long after = 0;
        long removed = 0;
        t.lock.lock();
        try {
            for (LogCleaner.Staged st : staged) {
                long base = st.original().baseOffset();
                if (t.closed || t.truncations != truncationsBefore || t.segments.get(base) != st.original()) {
                    LogCleaner.discard(st.staging());
                    continue;
                }
                LogSegment fresh = LogCleaner.swap(t.dir(), st, t.config(), t.clock.millis());
                t.segments.put(base, fresh);
                t.deleter.deleteLater(st.original(), t.config());
                rewritten++;
                before += st.original().sizeInBytes();
                after += fresh.sizeInBytes();
                removed += st.recordsRemoved();
            }
        } finally {
            t.lock.unlock();
        }
        if (rewritten > 0) {
            log.info("Compacted {}: {} segments, {} -> {} bytes, {} records removed", t.dir(), rewritten, before, after,
                removed);
        }
        return new LogCleaner.Result(rewritten, before, after, removed);
    }
}
