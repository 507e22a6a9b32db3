package io.runnel.log;

/** An absolute offset and the byte position in a segment's log file of the batch holding it. */
public record OffsetPosition(long offset, int position) {
}
