package io.runnel.log;

import static io.runnel.record.RecordBatchLayout.HEADER_SIZE;

import io.runnel.record.RecordBatch;
import java.nio.ByteBuffer;

/**
 * Cutting one {@link LogSegment} back to an offset (a follower diverging from its leader): whole
 * batches go, both indexes are trimmed to match, and the max timestamp is recomputed from what
 * is left.
 *
 * <p>Thread-safety: needs the owning log's lock.
 */
final class SegmentTruncation {
    private SegmentTruncation() {
    }

    /** See {@link LogSegment#truncateTo}. */
    static long truncateTo(LogSegment seg, long offset) {
        LogSegment.BatchPosition from = seg.translateOffset(offset, seg.size);
        if (from == null) {
            return Long.MAX_VALUE;
        }
        seg.lastBatch = null; // not known again until the next append
        seg.offsetIndex.truncateTo(from.baseOffset());
        seg.timeIndex.truncateTo(from.baseOffset());
        seg.truncateFile(from.position());
        seg.size = from.position();
        seg.bytesSinceLastIndexEntry = 0;
        recomputeMaxTimestamp(seg);
        if (seg.size == 0) {
            seg.rollingBaseTimeMs = -1;
        }
        return from.baseOffset();
    }

    /**
     * Recomputes the segment's max timestamp (and its offset) after a truncation: from the time
     * index's last entry, then the batch headers after it. Needs the owning log's lock.
     */
    private static void recomputeMaxTimestamp(LogSegment seg) {
        TimestampOffset last = seg.timeIndex.lastEntry();
        seg.maxTimestampSoFar = last.timestamp();
        seg.offsetOfMaxTimestampSoFar = last.offset();
        int position = seg.timeIndex.entries() == 0 ? 0 : seg.offsetIndex.lookup(last.offset()).position();
        ByteBuffer header = ByteBuffer.allocate(HEADER_SIZE);
        while (position + HEADER_SIZE <= seg.size) {
            header.clear();
            seg.readFully(header, position);
            RecordBatch batch = RecordBatch.of(header, 0);
            if (batch.maxTimestamp() > seg.maxTimestampSoFar) {
                seg.maxTimestampSoFar = batch.maxTimestamp();
                seg.offsetOfMaxTimestampSoFar = batch.baseOffset();
            }
            position += batch.sizeInBytes();
        }
    }
}
