package io.runnel.log;

/**
 * An offset that breaks an ordering rule: an index entry not above the last one, a follower's
 * batch that does not start at the log end offset, a truncation point outside the log.
 */
public final class InvalidOffsetException extends RuntimeException {
    private final long offset;
    private final long limit;

    public InvalidOffsetException(String what, long offset, long limit) {
        super(what + ": offset " + offset + ", limit " + limit);
        this.offset = offset;
        this.limit = limit;
    }

    /** The offending offset. */
    public long offset() {
        return offset;
    }

    /** The bound it violated. */
    public long limit() {
        return limit;
    }
}
