package io.runnel.log;

import java.nio.MappedByteBuffer;
import java.nio.file.Path;

/**
 * Sparse map from timestamps to offsets in one segment, for "first offset at or after time T".
 *
 * <pre>
 *  entry (12 bytes, big-endian), sorted by timestamp and by offset:
 *  +---------------------------------------------+----------------------------+
 *  | timestamp, ms since the epoch (int64)       | relative offset (int32)    |
 *  +---------------------------------------------+----------------------------+
 * </pre>
 *
 * An entry (T, O) says: the largest timestamp among records before offset O's batch end is T, and
 * O's batch holds it. Timestamps in one file strictly increase: an entry is only added when a batch
 * raises the segment's max timestamp, so producers' out-of-order timestamps never break the binary
 * search. Thread-safety: see {@link MappedIndex}.
 */
public final class TimeIndex extends MappedIndex {
    public static final int ENTRY_SIZE = 12;

    public TimeIndex(Path file, long baseOffset, int maxIndexSize, boolean writable) {
        super(file, baseOffset, maxIndexSize, writable, ENTRY_SIZE);
    }

    /**
     * Adds (timestamp, offset) if the timestamp is above the last entry's; otherwise does nothing.
     * The caller holds the log's lock.
     *
     * @param force append even if the index is full (sealing a segment always records its max)
     */
    public void maybeAppend(long timestamp, long offset, boolean force) {
        int relative = relativeOffset(offset);
        TimestampOffset last = lastEntry();
        if (entries() > 0 && (timestamp <= last.timestamp())) {
            return;
        }
        if (entries() > 0 && offset < last.offset()) {
            throw new InvalidOffsetException("Time index " + file() + " offsets must not decrease", offset, last.offset());
        }
        if (isFull()) {
            if (!force) {
                return;
            }
            resize((entries() + 1) * ENTRY_SIZE);
        }
        appendEntry((buffer, at) -> {
            buffer.putLong(at, timestamp);
            buffer.putInt(at + 8, relative);
        });
    }

    /**
     * The entry with the largest timestamp {@code <= target}, or (-1, base offset) if none is: the
     * offset from which to scan for the first record at or after {@code target}.
     */
    public TimestampOffset lookup(long target) {
        return withEntries((buffer, count) -> {
            int slot = largestLowerBoundSlot(buffer, count, target);
            return slot < 0 ? new TimestampOffset(-1L, baseOffset) : entry(buffer, slot);
        });
    }

    /** The last entry, or (-1, base offset) when empty. */
    public TimestampOffset lastEntry() {
        return withEntries((buffer, count) -> count == 0 ? new TimestampOffset(-1L, baseOffset) : entry(buffer, count - 1));
    }

    /** Removes every entry for an offset {@code >= offset}. */
    public void truncateTo(long offset) {
        int keep = withEntries((buffer, count) -> firstSlotAtOrAboveOffset(buffer, count, offset));
        truncateToEntries(keep);
    }

    /**
     * Whole entries, timestamps strictly increasing, offsets non-decreasing and not below the base.
     *
     * @throws CorruptIndexException naming the first fault
     */
    public void sanityCheck(long fileLength) {
        if (fileLength % ENTRY_SIZE != 0) {
            throw new CorruptIndexException(file(), "length " + fileLength + " is not a multiple of " + ENTRY_SIZE);
        }
        withEntries((buffer, count) -> {
            TimestampOffset previous = new TimestampOffset(Long.MIN_VALUE, baseOffset);
            for (int slot = 0; slot < count; slot++) {
                TimestampOffset e = entry(buffer, slot);
                if (e.timestamp() <= previous.timestamp() || e.offset() < previous.offset()) {
                    throw new CorruptIndexException(file(), "entry " + slot + " " + e + " does not follow " + previous);
                }
                previous = e;
            }
            return null;
        });
    }

    @Override
    protected long key(MappedByteBuffer buffer, int slot) {
        return buffer.getLong(slot * ENTRY_SIZE);
    }

    @Override
    protected long offsetOf(MappedByteBuffer buffer, int slot) {
        return baseOffset + buffer.getInt(slot * ENTRY_SIZE + 8);
    }

    private TimestampOffset entry(MappedByteBuffer buffer, int slot) {
        return new TimestampOffset(buffer.getLong(slot * ENTRY_SIZE), baseOffset + buffer.getInt(slot * ENTRY_SIZE + 8));
    }
}
