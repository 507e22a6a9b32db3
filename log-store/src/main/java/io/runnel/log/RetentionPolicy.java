package io.runnel.log;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Which segments a retention pass deletes: a prefix of the sealed segments (never the active one),
 * so the log stays contiguous. A segment goes if its newest record is older than retention.ms, or
 * while the log without it would still be at least retention.bytes.
 */
final class RetentionPolicy {
    private RetentionPolicy() {
    }

    /** The oldest segments to delete, in order; {@code segments} is oldest first, active last. */
    static List<LogSegment> segmentsToDelete(Collection<LogSegment> segments, LogConfig config, long nowMs) {
        List<LogSegment> doomed = new ArrayList<>();
        if (!config.cleanupPolicy().deletes()) {
            return doomed; // compact-only topics keep every key's newest record, however old
        }
        long total = 0;
        for (LogSegment s : segments) {
            total += s.sizeInBytes();
        }
        boolean bySize = config.retentionBytes() >= 0;
        long excess = total - config.retentionBytes();
        int remaining = segments.size();
        for (LogSegment segment : segments) {
            if (remaining-- == 1) {
                break; // the active segment
            }
            boolean expired = config.retentionMs() >= 0 && segment.largestTimestamp() >= 0
                && nowMs - segment.largestTimestamp() > config.retentionMs();
            boolean oversize = bySize && excess - segment.sizeInBytes() >= 0;
            if (!expired && !oversize) {
                break;
            }
            doomed.add(segment);
            excess -= segment.sizeInBytes();
        }
        return doomed;
    }
}
