package io.runnel.log;

/**
 * An append that is written (and readable) but, under {@code flush.policy=sync}, maybe not yet on
 * disk: from {@link Log#appendAsLeaderDeferred}, for a caller that holds locks of its own around the
 * append and wants to release them before waiting, so that concurrent appends share one fsync.
 */
public final class PendingAppend {
    private final LogAppendInfo info;
    private final GroupCommit.Waiter waiter;
    private final LogFlusher flusher;

    PendingAppend(LogAppendInfo info, GroupCommit.Waiter waiter, LogFlusher flusher) {
        this.info = info;
        this.waiter = waiter;
        this.flusher = flusher;
    }

    /** What was written. */
    public LogAppendInfo info() {
        return info;
    }

    /**
     * Returns once the append's bytes are on disk under {@code flush.policy=sync} (at once under
     * async). Call before acknowledging the append; not under the log's own lock.
     *
     * @return {@link #info()}
     * @throws java.io.UncheckedIOException if the fsync that covered it (or an earlier one) failed
     * @throws IllegalStateException        if its records were truncated, or the log closed, first
     */
    public LogAppendInfo awaitDurable() {
        flusher.awaitDurable(waiter);
        return info;
    }
}
