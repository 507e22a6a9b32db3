package io.runnel.broker.replica;

import java.util.concurrent.ScheduledExecutorService;

/**
 * The executors a {@link ReplicaManager} runs its background jobs on, one per job so none delays
 * another; owned (and stopped) by the caller.
 *
 * @param purgatory     timeouts of waiting produces and fetches, and completing them after a
 *                      follower fetch moved the high watermark
 * @param isrChecks     the periodic ISR shrink check
 * @param hwCheckpoints the periodic high-watermark checkpoint
 * @param logFlush      each log's flushes and delayed segment deletion
 */
public record ReplicaExecutors(ScheduledExecutorService purgatory, ScheduledExecutorService isrChecks,
                               ScheduledExecutorService hwCheckpoints, ScheduledExecutorService logFlush) {
    /** Every job on one executor (tests and tools). */
    public static ReplicaExecutors sharing(ScheduledExecutorService executor) {
        return new ReplicaExecutors(executor, executor, executor, executor);
    }
}
