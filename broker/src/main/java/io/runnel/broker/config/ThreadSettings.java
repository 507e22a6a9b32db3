package io.runnel.broker.config;

/**
 * Sizes of the node's background pools that are worth tuning (the other jobs each run on one
 * thread of their own, see {@code NodeExecutors}).
 *
 * @param logFlushThreads      threads that fsync logs (size- and time-triggered flushes, sealed
 *                             segments) and delete old segment files ({@code log.flush.threads})
 * @param controllerCallThreads threads that make blocking calls to the active controller:
 *                             AlterPartition, forwarded admin calls, producer-id blocks
 *                             ({@code controller.call.threads})
 */
public record ThreadSettings(int logFlushThreads, int controllerCallThreads) {
    public static final ThreadSettings DEFAULTS = new ThreadSettings(2, 4);

    public ThreadSettings {
        if (logFlushThreads < 1 || controllerCallThreads < 1) {
            throw new IllegalArgumentException("thread counts must be at least 1, got " + logFlushThreads + " and "
                + controllerCallThreads);
        }
    }
}
