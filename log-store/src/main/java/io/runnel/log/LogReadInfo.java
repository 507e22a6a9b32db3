package io.runnel.log;

/**
 * The answer to a read: whole batches starting with the one holding the fetch offset (so the first
 * batch may begin below it), and the log's bounds at the time of the read.
 *
 * @param fetchOffset    the offset asked for
 * @param records        the batches, as a slice of a segment file; {@link FileSlice#EMPTY} if none
 * @param logStartOffset first offset still in the log
 * @param logEndOffset   offset the next appended record will get
 */
public record LogReadInfo(long fetchOffset, FileSlice records, long logStartOffset, long logEndOffset) {
}
