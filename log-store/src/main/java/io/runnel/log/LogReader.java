package io.runnel.log;

import io.runnel.record.RecordBatch;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Reads of a {@link Log} across its segments: whole batches from an offset, the offset for a
 * timestamp, and a walk over every batch header. Static and stateless: the log hands in its segment
 * map and the bounds it read, so a read costs no object beyond the {@link LogReadInfo} it returns.
 *
 * <p>Thread-safety: takes no lock. The segment map is concurrent and each segment publishes its
 * size only after writing the bytes below it, then the log publishes the new end offset. A read racing with truncation or retention may return batches that were just
 * removed (their files stay readable for {@code file.delete.delay.ms}), never bytes that were not
 * fully written.
 */
final class LogReader {
    private LogReader() {
    }

    /**
     * See {@link Log#read}; {@code start} and {@code end} are the log's bounds as the caller read them.
     */
    static LogReadInfo read(NavigableMap<Long, LogSegment> segments, long start, long end,
                            long startOffset, int maxBytes, long maxOffset, boolean minOneBatch) {
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

    /** See {@link Log#offsetForTimestamp}; {@code start} is the log start offset. */
    static Optional<TimestampOffset> offsetForTimestamp(NavigableMap<Long, LogSegment> segments, long start,
                                                        long timestamp, int maxDecompressedBytes) {
        for (LogSegment segment : segments.values()) {
            if (segment.largestTimestamp() >= timestamp) {
                Optional<TimestampOffset> found = segment.findOffsetByTimestamp(timestamp, start, maxDecompressedBytes);
                if (found.isPresent()) {
                    return found;
                }
            }
        }
        return Optional.empty();
    }

    /** See {@link Log#forEachBatchHeader}. */
    static void forEachBatchHeader(NavigableMap<Long, LogSegment> segments, Consumer<RecordBatch> visitor) {
        for (LogSegment segment : segments.values()) {
            segment.forEachBatchHeader(visitor);
        }
    }
}
