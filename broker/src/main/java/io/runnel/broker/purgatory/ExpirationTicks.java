package io.runnel.broker.purgatory;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The timeouts of a purgatory's operations, gathered into ticks (Kafka's timing wheel in its
 * simplest form): an operation joins the tick that ends at or after its deadline, and each tick
 * is one task on the timer, scheduled by the first operation that joins it. Parking an operation
 * so costs a set insertion, and completing it a removal, instead of a task of its own on the
 * timer's queue: with one task per operation, every parked fetch or acks=all produce became the
 * new head of the timer's queue and woke the timer thread (a futex wake and a context switch on
 * the latency path, several per record in the end-to-end workload).
 *
 * <p>An operation never expires before its deadline, and at most one tick after it.
 *
 * <p>Thread-safety: {@link #add} and the handles it returns are safe from any thread; a tick's
 * monitor orders the operations joining it with its firing.
 */
final class ExpirationTicks {
    private static final Logger log = LoggerFactory.getLogger(ExpirationTicks.class);
    /** How late past its deadline an operation may expire: the width of a tick. */
    static final long DEFAULT_TICK_MS = 10;

    private final ScheduledExecutorService timer;
    private final long tickNanos;
    /** Ticks with a task on the timer, by index (the tick ends at index x tickNanos on System.nanoTime). */
    private final ConcurrentHashMap<Long, Tick> ticks = new ConcurrentHashMap<>();

    /** @param timer runs the expirations; owned by the caller */
    ExpirationTicks(ScheduledExecutorService timer) {
        this(timer, DEFAULT_TICK_MS);
    }

    /** @param tickMs the width of a tick (tests: a wide one gathers every operation of a test into one) */
    ExpirationTicks(ScheduledExecutorService timer, long tickMs) {
        if (tickMs <= 0) {
            throw new IllegalArgumentException("tick must be > 0 ms, got " + tickMs);
        }
        this.timer = timer;
        this.tickNanos = TimeUnit.MILLISECONDS.toNanos(tickMs);
    }

    /**
     * Runs {@code expire} on the timer once {@code timeoutMs} have passed (at the end of the tick
     * the deadline falls in), unless the returned handle is run first.
     *
     * @return cancels the expiration (removes it from its tick); safe to run more than once
     * @throws java.util.concurrent.RejectedExecutionException if the timer is shut down
     */
    Runnable add(long timeoutMs, Runnable expire) {
        long due = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        long index = Math.floorDiv(due, tickNanos) + 1;
        Tick tick = ticks.get(index);
        if (tick == null) {
            Tick fresh = new Tick(index);
            tick = ticks.putIfAbsent(index, fresh);
            if (tick == null) {
                tick = fresh;
                try {
                    timer.schedule(fresh, index * tickNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
                } catch (RuntimeException e) {
                    ticks.remove(index, fresh);
                    throw e;
                }
            }
        }
        Tick joined = tick;
        if (joined.join(expire)) {
            return () -> joined.leave(expire);
        }
        // The tick fired meanwhile, so its end, and with it the deadline, has passed: expire now.
        timer.execute(expire);
        return () -> { };
    }

    /** Ticks waiting to fire (tests). */
    int pendingTicks() {
        return ticks.size();
    }

    /** One tick's expirations, fired together by one task on the timer. */
    private final class Tick implements Runnable {
        private final long index;
        private final Set<Runnable> expirations = ConcurrentHashMap.newKeySet();
        /** Guarded by this: fired, so no expiration may join any more. */
        private boolean fired;

        Tick(long index) {
            this.index = index;
        }

        synchronized boolean join(Runnable expire) {
            if (fired) {
                return false;
            }
            expirations.add(expire);
            return true;
        }

        void leave(Runnable expire) {
            expirations.remove(expire);
        }

        @Override
        public void run() {
            synchronized (this) {
                fired = true;
            }
            ticks.remove(index, this);
            for (Runnable expire : expirations) {
                try {
                    expire.run();
                } catch (RuntimeException e) {
                    // One failing expiration must not keep the others of its tick from being answered.
                    log.warn("An expiring operation failed: {}", e.toString(), e);
                }
            }
        }
    }
}
