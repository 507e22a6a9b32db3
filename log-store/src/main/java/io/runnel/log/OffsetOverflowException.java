package io.runnel.log;

/**
 * An offset that does not fit a segment's 4-byte relative offsets (more than Integer.MAX_VALUE past
 * the segment's base offset). The log rolls a new segment before this can happen on append.
 */
public final class OffsetOverflowException extends RuntimeException {
    private final long baseOffset;
    private final long offset;

    public OffsetOverflowException(long baseOffset, long offset) {
        super("Offset " + offset + " is too far from segment base offset " + baseOffset
            + " for a 4-byte relative offset");
        this.baseOffset = baseOffset;
        this.offset = offset;
    }

    public long baseOffset() {
        return baseOffset;
    }

    public long offset() {
        return offset;
    }
}
