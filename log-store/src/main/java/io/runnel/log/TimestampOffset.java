package io.runnel.log;

/** A timestamp and an absolute offset: a time-index entry or the answer to a lookup by time. */
public record TimestampOffset(long timestamp, long offset) {
}
