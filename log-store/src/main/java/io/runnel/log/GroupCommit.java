package io.runnel.log;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable offset of a log (every offset below it is on disk), and group commit for appends
 * that must not return before their bytes are: one fsync covers every append written before it
 * started.
 *
 * <p>An appender writes its bytes (under the log's lock), {@linkplain #enqueue enqueues} a waiter
 * for the offset its bytes end at (still under that lock, so truncation sees it), releases the
 * lock and {@linkplain #await awaits} the waiter. The first waiter that finds no fsync running
 * becomes the leader: it runs the {@link Sync}, which forces everything appended so far and says up
 * to which offset that is, publishes the result and wakes everyone; waiters at or below it return,
 * the others (appended after the fsync began) elect the next leader. So while one fsync runs, the
 * appends that arrive meanwhile queue up and the next fsync covers them all.
 *
 * <p>Failures are sticky: once a sync fails, every waiter (those it covered and any later one)
 * fails with it, the durable offset never moves again, and {@link #enqueue} refuses new waiters,
 * because after a failed fsync the kernel may have dropped the dirty pages and a later fsync
 * "succeeding" proves nothing. The log must be closed and recovered.
 *
 * <p>{@link #truncateTo} lowers the durable offset and fails the waiters whose bytes were removed;
 * a sync in flight across a truncation publishes no more than the truncation offset, since what it
 * forced above it may be gone. Thread-safe; the {@link Sync} runs with no lock of this class held.
 */
final class GroupCommit {
    private static final Logger log = LoggerFactory.getLogger(GroupCommit.class);
    /** Forces everything appended so far to disk. */
    @FunctionalInterface
    interface Sync {
        /** @return the offset below which everything is now on disk */
        long sync() throws IOException;
    }

    /** One append waiting for its bytes to be durable. */
    static final class Waiter {
        private long upTo;
        /** A flush rather than an append: a truncation lowers its target instead of failing it. */
        private final boolean flush;
        private boolean done;
        private RuntimeException failure;

        private Waiter(long upTo, boolean flush) {
            this.upTo = upTo;
            this.flush = flush;
        }

        long upTo() {
            return upTo;
        }
    }

    private final String name;
    private final Sync sync;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final List<Waiter> waiting = new ArrayList<>();
    private volatile long durable;
    private boolean syncing;
    /** Lowest truncation offset since the running sync began; Long.MAX_VALUE if none. */
    private long truncatedDuringSync = Long.MAX_VALUE;
    private IOException failure;
    private boolean closed;
    private long syncs;

    /**
     * @param name    for messages (the log directory)
     * @param durable the offset below which everything is already on disk
     */
    GroupCommit(String name, long durable, Sync sync) {
        this.name = name;
        this.durable = durable;
        this.sync = sync;
    }

    /** Every offset below this is on disk. Lock-free. */
    long durableOffset() {
        return durable;
    }

    /** How many syncs have run (successful or not): for tests and metrics. */
    long syncCount() {
        lock.lock();
        try {
            return syncs;
        } finally {
            lock.unlock();
        }
    }

    /** Waiters registered and not yet settled: for tests. */
    int waitingCount() {
        lock.lock();
        try {
            return waiting.size();
        } finally {
            lock.unlock();
        }
    }

    /** Whether a sync has failed, after which nothing here is durable any more. */
    boolean failed() {
        lock.lock();
        try {
            return failure != null;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Throws if a sync has failed or this was closed: an append must not write bytes it could never
     * make durable.
     */
    void ensureHealthy() {
        lock.lock();
        try {
            throwIfUnhealthy();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Registers an append whose bytes end below {@code upTo}. Call it in the same critical section
     * as the write, so a truncation either precedes the write or sees the waiter.
     *
     * @throws UncheckedIOException  if a sync has failed
     * @throws IllegalStateException if closed
     */
    Waiter enqueue(long upTo) {
        return enqueue(upTo, false);
    }

    /**
     * Registers a wait for everything below {@code upTo}; for a {@code flush}, a later truncation
     * lowers the target to the truncation offset instead of failing the wait. {@code upTo} must not
     * exceed the log end when this is called (a sync could never reach it).
     */
    Waiter enqueue(long upTo, boolean flush) {
        lock.lock();
        try {
            throwIfUnhealthy();
            Waiter w = new Waiter(upTo, flush);
            if (upTo <= durable) {
                w.done = true;
            } else {
                waiting.add(w);
            }
            return w;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Returns once the waiter's bytes are on disk, running the sync itself if none is running.
     *
     * @throws UncheckedIOException  if the sync that covered it (or any earlier one) failed
     * @throws IllegalStateException if its bytes were truncated, or the log closed, before they were
     *                               made durable
     */
    void await(Waiter w) {
        lock.lock();
        try {
            while (true) {
                if (w.failure != null) {
                    throw copy(w.failure);
                }
                if (w.done) {
                    return;
                }
                if (syncing) {
                    changed.awaitUninterruptibly();
                } else {
                    lead();
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** Makes everything below {@code upTo} durable (a flush): {@link #enqueue} then {@link #await}. */
    void awaitDurable(long upTo) {
        await(enqueue(upTo, true));
    }

    /** Runs one sync with the lock released; called with the lock held and no sync running. */
    private void lead() {
        syncing = true;
        truncatedDuringSync = Long.MAX_VALUE;
        syncs++;
        long reached = -1;
        IOException error = null;
        lock.unlock();
        try {
            reached = sync.sync();
        } catch (IOException e) {
            error = e;
        } catch (UncheckedIOException e) {
            error = e.getCause();
        } catch (RuntimeException | Error e) {
            // Not a disk error (a bug, or the log closed under us): the waiters fail, the log does not.
            lock.lock();
            syncing = false;
            RuntimeException wrapped = new IllegalStateException("Sync of " + name + " failed", e);
            for (Waiter w : waiting) {
                w.failure = wrapped;
            }
            waiting.clear();
            changed.signalAll();
            throw e;
        }
        lock.lock();
        syncing = false;
        if (error != null) {
            log.error("fsync of {} failed: its waiting appends fail, and the log takes no more until reopened", name, error);
            failLocked(error);
        } else {
            advanceLocked(Math.min(reached, truncatedDuringSync));
        }
        changed.signalAll();
    }

    /** Raises the durable offset to {@code offset} (e.g. retention moved the log start past it). */
    void advanceTo(long offset) {
        lock.lock();
        try {
            if (failure == null) {
                advanceLocked(offset);
                changed.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    private void advanceLocked(long offset) {
        if (offset <= durable) {
            return;
        }
        durable = offset;
        waiting.removeIf(w -> {
            if (w.upTo <= offset) {
                w.done = true;
                return true;
            }
            return false;
        });
    }

    /**
     * Records that every offset at or above {@code offset} was removed: the durable offset drops to
     * it if above, and waiters for bytes above it fail.
     */
    void truncateTo(long offset) {
        lock.lock();
        try {
            if (syncing) {
                truncatedDuringSync = Math.min(truncatedDuringSync, offset);
            }
            if (durable > offset) {
                durable = offset;
            }
            RuntimeException truncated = new IllegalStateException(
                "Records of " + name + " at or above offset " + offset + " were truncated before they were fsynced");
            waiting.removeIf(w -> {
                if (w.upTo <= offset) {
                    return false;
                }
                if (w.flush) {
                    w.upTo = offset;
                    w.done = offset <= durable;
                    return w.done;
                }
                w.failure = truncated;
                return true;
            });
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Starts over at {@code offset} (the log was emptied and restarted there): the durable offset
     * becomes exactly {@code offset}, up or down, and waiters for removed bytes fail.
     */
    void resetTo(long offset) {
        lock.lock();
        try {
            truncateTo(Math.min(offset, durable));
            if (failure == null) {
                advanceLocked(offset);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Records a failed fsync found outside {@link #await} (a background flush): sticky. */
    void fail(IOException e) {
        lock.lock();
        try {
            failLocked(e);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void failLocked(IOException e) {
        if (failure == null) {
            failure = e;
        }
        RuntimeException failed = new UncheckedIOException("fsync of " + name + " failed; nothing written since "
            + "offset " + durable + " is known to be on disk", failure);
        for (Waiter w : waiting) {
            w.failure = failed;
        }
        waiting.clear();
    }

    /** Fails every waiter still pending and refuses new ones. Call after the final flush. */
    void close() {
        lock.lock();
        try {
            closed = true;
            RuntimeException closedError = new IllegalStateException("Log " + name + " closed before its records were fsynced");
            for (Waiter w : waiting) {
                w.failure = closedError;
            }
            waiting.clear();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void throwIfUnhealthy() {
        if (failure != null) {
            throw new UncheckedIOException("fsync of " + name + " failed earlier; the log must be reopened", failure);
        }
        if (closed) {
            throw new IllegalStateException("Log " + name + " is closed");
        }
    }

    /** A fresh exception per waiter, so each thread's stack trace is its own; the shared one is the cause. */
    private static RuntimeException copy(RuntimeException shared) {
        if (shared instanceof UncheckedIOException u) {
            return new UncheckedIOException(u.getMessage(), u.getCause());
        }
        return new IllegalStateException(shared.getMessage(), shared);
    }
}
