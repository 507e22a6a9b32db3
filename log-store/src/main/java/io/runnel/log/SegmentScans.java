package io.runnel.log;

import static io.runnel.record.RecordBatchLayout.HEADER_SIZE;

import io.runnel.record.CorruptBatchException;
import io.runnel.record.Record;
import io.runnel.record.RecordBatch;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Walks over one {@link LogSegment}'s batch headers for the lookups that are not on the fetch
 * path: the offset for a timestamp, every header in order (rebuilding producer state), and the
 * offset after the last batch. Each reads headers into a buffer of its own and stops at the
 * segment's published size.
 *
 * <p>Thread-safety: safe from any thread, like {@link LogSegment#read}.
 */
final class SegmentScans {
    private SegmentScans() {
    }

    /** See {@link LogSegment#findOffsetByTimestamp}. */
    static Optional<TimestampOffset> findOffsetByTimestamp(LogSegment seg, long timestamp, long startingOffset,
                                                           int maxDecompressedBytes) {
        if (seg.maxTimestampSoFar < timestamp) {
            return Optional.empty();
        }
        long fromOffset = Math.max(seg.timeIndex.lookup(timestamp).offset(), startingOffset);
        int end = seg.size;
        int position = seg.offsetIndex.lookup(fromOffset).position();
        ByteBuffer header = ByteBuffer.allocate(HEADER_SIZE);
        while (position + HEADER_SIZE <= end) {
            header.clear();
            seg.readFully(header, position);
            RecordBatch batch = RecordBatch.of(header, 0);
            int batchSize = batch.sizeInBytes();
            if (batch.lastOffset() >= startingOffset && batch.maxTimestamp() >= timestamp) {
                ByteBuffer whole = ByteBuffer.allocate(batchSize);
                seg.readFully(whole, position);
                List<Record> records;
                try {
                    records = RecordBatch.of(whole, 0).records(maxDecompressedBytes);
                } catch (CorruptBatchException.DecompressedTooLargeException tooLarge) {
                    // Too large to look inside: its first offset is never after the record asked for.
                    return Optional.of(new TimestampOffset(batch.maxTimestamp(), Math.max(batch.baseOffset(), startingOffset)));
                }
                for (Record r : records) {
                    if (r.offset() >= startingOffset && r.timestamp() >= timestamp) {
                        return Optional.of(new TimestampOffset(r.timestamp(), r.offset()));
                    }
                }
            }
            position += batchSize;
        }
        return Optional.empty();
    }

    /** See {@link LogSegment#forEachBatchHeader}. */
    static void forEachBatchHeader(LogSegment seg, Consumer<RecordBatch> visitor) {
        int end = seg.size;
        ByteBuffer header = ByteBuffer.allocate(HEADER_SIZE);
        RecordBatch batch = new RecordBatch();
        for (int position = 0; position + HEADER_SIZE <= end; ) {
            header.clear();
            seg.readFully(header, position);
            batch.wrap(header, 0, position);
            int batchSize = batch.sizeInBytes();
            visitor.accept(batch);
            position += batchSize;
        }
    }

    /** See {@link LogSegment#readNextOffset}. */
    static long readNextOffset(LogSegment seg) {
        int end = seg.size;
        int position = seg.offsetIndex.lookup(Long.MAX_VALUE).position();
        long next = seg.baseOffset;
        ByteBuffer header = ByteBuffer.allocate(LogSegment.SCAN_HEADER_BYTES);
        while (position + LogSegment.SCAN_HEADER_BYTES <= end) {
            LogSegment.BatchPosition b = seg.readBatchPosition(position, header);
            next = b.lastOffset() + 1;
            position += b.size();
        }
        return next;
    }
}
