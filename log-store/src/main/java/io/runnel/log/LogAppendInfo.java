package io.runnel.log;

/**
 * What an append wrote.
 *
 * @param firstOffset  offset of the first record appended
 * @param lastOffset   offset of the last record appended
 * @param maxTimestamp largest record timestamp among the batches
 * @param batches      number of batches
 * @param bytes        bytes written
 */
public record LogAppendInfo(long firstOffset, long lastOffset, long maxTimestamp, int batches, int bytes) {
}
