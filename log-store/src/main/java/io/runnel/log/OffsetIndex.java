package io.runnel.log;

import java.nio.MappedByteBuffer;
import java.nio.file.Path;

/**
 * Sparse map from offsets to byte positions in one segment's log file. An entry is added every
 * {@code index.interval.bytes} of appended batches, so a read seeks here and then scans forward at
 * most one interval of batch headers.
 *
 * <pre>
 *  entry (8 bytes, big-endian), sorted by offset:
 *  +------------------------------+------------------------------+
 *  | relative offset (int32)      | position in .log (int32)     |
 *  +------------------------------+------------------------------+
 * </pre>
 *
 * The relative offset is the offset of the first record of an indexed batch minus the segment's
 * base offset (base 50, offset 55 is stored as 5). Callers only ever see absolute offsets.
 * Thread-safety: see {@link MappedIndex}.
 */
public final class OffsetIndex extends MappedIndex {
    public static final int ENTRY_SIZE = 8;

    public OffsetIndex(Path file, long baseOffset, int maxIndexSize, boolean writable) {
        super(file, baseOffset, maxIndexSize, writable, ENTRY_SIZE);
    }

    /**
     * Adds an entry; the caller holds the log's lock.
     *
     * @throws InvalidOffsetException  if {@code offset} is not above the last entry's offset
     * @throws OffsetOverflowException if it is not within 2^31-1 of the base offset
     */
    public void append(long offset, int position) {
        int relative = relativeOffset(offset);
        if (entries() > 0 && offset <= lastOffset()) {
            throw new InvalidOffsetException("Offset index " + file() + " entries must increase", offset, lastOffset());
        }
        appendEntry((buffer, at) -> {
            buffer.putInt(at, relative);
            buffer.putInt(at + 4, position);
        });
    }

    /**
     * The entry with the largest offset {@code <= target}, or (base offset, position 0) if there is
     * none: a read can always start scanning from what this returns.
     */
    public OffsetPosition lookup(long target) {
        return withEntries((buffer, count) -> {
            int slot = largestLowerBoundSlot(buffer, count, target);
            return slot < 0 ? new OffsetPosition(baseOffset, 0) : entry(buffer, slot);
        });
    }

    /**
     * The entry with the largest position {@code <= position}, or (base offset, 0) if none: a batch
     * boundary close below a byte limit, so a read can end on whole batches after a short scan.
     */
    public OffsetPosition lookupByPosition(int position) {
        return withEntries((buffer, count) -> {
            int lo = 0;
            int hi = count - 1;
            int found = -1;
            while (lo <= hi) {
                int mid = (lo + hi) >>> 1;
                if (buffer.getInt(mid * ENTRY_SIZE + 4) <= position) {
                    found = mid;
                    lo = mid + 1;
                } else {
                    hi = mid - 1;
                }
            }
            return found < 0 ? new OffsetPosition(baseOffset, 0) : entry(buffer, found);
        });
    }

    /** Offset of the last entry, or the base offset when empty. */
    public long lastOffset() {
        return withEntries((buffer, count) -> count == 0 ? baseOffset : offsetOf(buffer, count - 1));
    }

    /** The entry at {@code slot}, for tests and sanity checks. */
    public OffsetPosition entry(int slot) {
        return withEntries((buffer, count) -> {
            if (slot < 0 || slot >= count) {
                throw new IndexOutOfBoundsException("slot " + slot + " of " + count + " in " + file());
            }
            return entry(buffer, slot);
        });
    }

    /** Removes every entry for an offset {@code >= offset}. */
    public void truncateTo(long offset) {
        int keep = withEntries((buffer, count) -> firstSlotAtOrAboveOffset(buffer, count, offset));
        truncateToEntries(keep);
    }

    /**
     * Checks what can be checked without the log: whole entries, offsets strictly increasing from
     * the base offset, positions increasing and within {@code logSize}. O(entries), done at open.
     *
     * @throws CorruptIndexException naming the first fault
     */
    public void sanityCheck(long fileLength, long logSize) {
        if (fileLength % ENTRY_SIZE != 0) {
            throw new CorruptIndexException(file(), "length " + fileLength + " is not a multiple of " + ENTRY_SIZE);
        }
        withEntries((buffer, count) -> {
            long previousOffset = baseOffset - 1;
            long previousPosition = -1;
            for (int slot = 0; slot < count; slot++) {
                OffsetPosition e = entry(buffer, slot);
                if (e.offset() <= previousOffset || e.position() <= previousPosition || e.position() >= logSize) {
                    throw new CorruptIndexException(file(), "entry " + slot + " " + e + " does not follow offset "
                        + previousOffset + " / position " + previousPosition + " within log size " + logSize);
                }
                previousOffset = e.offset();
                previousPosition = e.position();
            }
            return null;
        });
    }

    @Override
    protected long key(MappedByteBuffer buffer, int slot) {
        return offsetOf(buffer, slot);
    }

    @Override
    protected long offsetOf(MappedByteBuffer buffer, int slot) {
        return baseOffset + buffer.getInt(slot * ENTRY_SIZE);
    }

    private OffsetPosition entry(MappedByteBuffer buffer, int slot) {
        return new OffsetPosition(baseOffset + buffer.getInt(slot * ENTRY_SIZE), buffer.getInt(slot * ENTRY_SIZE + 4));
    }
}
