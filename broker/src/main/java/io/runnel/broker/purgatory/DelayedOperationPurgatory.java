package io.runnel.broker.purgatory;

import java.util.Collection;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Where delayed operations wait, watched by keys (partitions). Whoever makes progress on a key calls
 * {@link #checkAndComplete}; no thread polls. An operation is checked once more right after it is
 * registered, so progress made between its first check and its registration is never missed.
 *
 * <p>Thread-safety: all methods are safe from any thread. A key's watcher set is never removed once
 * created (keys are partitions, a bounded set): removing an empty set could race with an operation
 * being added to it, which would then never be checked on progress.
 *
 * @param <K> what operations wait on, e.g. a topic partition
 */
public final class DelayedOperationPurgatory<K> {
    private final String name;
    /** The operations' timeouts, in ticks on the caller's timer (no timer task per operation). */
    private final ExpirationTicks expirations;
    private final ConcurrentHashMap<K, Set<DelayedOperation>> watchers = new ConcurrentHashMap<>();

    /** @param timer runs expirations (one task per tick of {@link ExpirationTicks}); owned by the caller */
    public DelayedOperationPurgatory(String name, ScheduledExecutorService timer) {
        this(name, timer, ExpirationTicks.DEFAULT_TICK_MS);
    }

    /** @param tickMs how late past its timeout an operation may expire (tests: a wide tick gathers them all into one) */
    DelayedOperationPurgatory(String name, ScheduledExecutorService timer, long tickMs) {
        this.name = name;
        this.expirations = new ExpirationTicks(timer, tickMs);
    }

    /**
     * Completes {@code op} now if it can, else watches it under every key until progress on one of
     * them completes it or it times out.
     *
     * @return true if it completed right away
     */
    public boolean tryCompleteElseWatch(DelayedOperation op, Collection<K> keys) {
        if (op.tryComplete()) {
            return true;
        }
        for (K key : keys) {
            watchers.computeIfAbsent(key, k -> ConcurrentHashMap.newKeySet()).add(op);
        }
        if (op.tryComplete()) {
            removeFrom(op, keys);
            return true;
        }
        op.cancelTimeout(expirations.add(op.timeoutMs(), () -> {
            op.expire();
            removeFrom(op, keys);
        }));
        return false;
    }

    /**
     * Checks every operation watching {@code key} and completes those that can.
     *
     * @return how many completed
     */
    public int checkAndComplete(K key) {
        Set<DelayedOperation> ops = watchers.get(key);
        if (ops == null) {
            return 0;
        }
        int done = 0;
        for (DelayedOperation op : ops) {
            if (op.isCompleted()) {
                ops.remove(op);
            } else if (op.tryComplete()) {
                ops.remove(op);
                done++;
            }
        }
        return done;
    }

    /** Operations still waiting under {@code key}, for metrics and tests. */
    public int watching(K key) {
        Set<DelayedOperation> ops = watchers.get(key);
        return ops == null ? 0 : (int) ops.stream().filter(op -> !op.isCompleted()).count();
    }

    private void removeFrom(DelayedOperation op, Collection<K> keys) {
        for (K key : keys) {
            Set<DelayedOperation> ops = watchers.get(key);
            if (ops != null) {
                ops.remove(op);
            }
        }
    }

    @Override
    public String toString() {
        return "DelayedOperationPurgatory[" + name + ", keys=" + watchers.size() + "]";
    }
}
