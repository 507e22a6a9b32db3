package io.runnel.log;

/**
 * Answer to "where does epoch E end here?": the largest epoch at or below E that this log knows and
 * the offset after its last record (the start of the next epoch, or the log end offset). A follower
 * of a new leader truncates to this when its own history diverges. {@link #UNDEFINED} means the log
 * knows no epoch at or below E.
 */
public record EpochEndOffset(int epoch, long endOffset) {
    public static final EpochEndOffset UNDEFINED = new EpochEndOffset(-1, -1L);
}
