package io.runnel.log;

import static io.runnel.record.RecordBatchLayout.HEADER_SIZE;

import io.runnel.record.CorruptBatchException;
import io.runnel.record.RecordBatch;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Recovery of one {@link LogSegment} after an unclean shutdown or a damaged index: re-validates
 * every batch in its file (framing, magic, CRC, codec, offsets increasing from the base offset),
 * rebuilds both indexes and the max timestamp from them, records each batch's leader epoch, and
 * cuts the file at the first bad byte; and the sanity check of its indexes that decides whether a
 * segment needs it. {@link LogLoader} decides which segments to recover.
 *
 * <p>Thread-safety: needs the owning log's lock (or, as in loading, no other user of the segment).
 */
final class SegmentRecovery {
    private static final Logger log = LoggerFactory.getLogger(SegmentRecovery.class);

    private SegmentRecovery() {
    }

    /** See {@link LogSegment#recover}. */
    static LogSegment.RecoveryResult recover(LogSegment seg, LeaderEpochCache epochs) {
        seg.offsetIndex.reset();
        seg.timeIndex.reset();
        // A sealed segment's indexes were trimmed to their entries: give them room to be rebuilt.
        seg.reopenForAppends();
        seg.bytesSinceLastIndexEntry = 0;
        seg.maxTimestampSoFar = -1;
        seg.offsetOfMaxTimestampSoFar = seg.baseOffset;
        long fileSize;
        try {
            fileSize = seg.channel.size();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read size of " + seg.logFile, e);
        }
        int position = 0;
        long expectedNext = seg.baseOffset;
        String reason = null;
        ByteBuffer header = ByteBuffer.allocate(HEADER_SIZE);
        ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
        RecordBatch batch = new RecordBatch();
        while (position < fileSize) {
            int available = (int) Math.min(Integer.MAX_VALUE, fileSize - position);
            try {
                header.clear().limit(Math.min(HEADER_SIZE, available));
                seg.readFully(header, position);
                int batchSize = RecordBatch.validateFraming(header, 0, available, position);
                if (buffer.capacity() < batchSize) {
                    buffer = ByteBuffer.allocate(Math.max(batchSize, buffer.capacity() * 2));
                }
                buffer.clear().limit(batchSize);
                seg.readFully(buffer, position);
                buffer.flip();
                batch.wrap(buffer, 0, position);
                batch.validate();
                if (batch.baseOffset() < expectedNext || batch.lastOffsetDelta() < 0
                    || batch.lastOffset() - seg.baseOffset > Integer.MAX_VALUE) {
                    reason = "batch at position " + position + " has offsets " + batch.baseOffset() + ".."
                        + batch.lastOffset() + ", expected to start at or after " + expectedNext;
                    break;
                }
                seg.indexBatch(batch, position);
                if (epochs != null) {
                    epochs.assign(batch.partitionLeaderEpoch(), batch.baseOffset());
                }
                expectedNext = batch.nextOffset();
                position += batchSize;
            } catch (CorruptBatchException e) {
                reason = e.getMessage();
                break;
            }
        }
        long truncated = fileSize - position;
        if (truncated > 0) {
            log.warn("Recovery of {} truncated {} bytes at position {} (offset {}): {}", seg.logFile, truncated,
                position, expectedNext, reason);
            seg.truncateFile(position);
        }
        seg.lastBatch = null;
        seg.size = position;
        return new LogSegment.RecoveryResult(expectedNext, position, truncated, reason);
    }

    /** See {@link LogSegment#sanityCheckIndexes}. */
    static void sanityCheckIndexes(LogSegment seg) {
        try {
            seg.offsetIndex.sanityCheck(Files.size(seg.offsetIndex.file()), seg.size);
            seg.timeIndex.sanityCheck(Files.size(seg.timeIndex.file()));
        } catch (IOException e) {
            throw new CorruptIndexException(seg.offsetIndex.file(), "cannot read its size: " + e.getMessage());
        }
    }
}
