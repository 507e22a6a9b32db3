package io.runnel.log;

/** A read asked for an offset outside [log start offset, log end offset]. */
public final class OffsetOutOfRangeException extends RuntimeException {
    private final long requested;
    private final long logStartOffset;
    private final long logEndOffset;

    public OffsetOutOfRangeException(long requested, long logStartOffset, long logEndOffset) {
        super("Offset " + requested + " is outside the log's range [" + logStartOffset + ", " + logEndOffset + "]");
        this.requested = requested;
        this.logStartOffset = logStartOffset;
        this.logEndOffset = logEndOffset;
    }

    public long requested() {
        return requested;
    }

    public long logStartOffset() {
        return logStartOffset;
    }

    public long logEndOffset() {
        return logEndOffset;
    }
}
