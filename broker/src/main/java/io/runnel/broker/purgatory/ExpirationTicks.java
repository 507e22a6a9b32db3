package io.runnel.broker.purgatory;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
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
 * <p>An operation never expires before its deadline, and at most one tick after it. A tick whose
 * operations all completed is taken off the timer (with a remove-on-cancel timer, as the node's,
 * it leaves its queue too).
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
        while (true) {
            Tick tick = ticks.get(index);
            if (tick == null) {
                Tick fresh = new Tick(index);
                tick = ticks.putIfAbsent(index, fresh);
                if (tick == null) {
                    tick = fresh;
                    try {
                        fresh.task = timer.schedule(fresh, index * tickNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
                    } catch (RuntimeException e) {
                        ticks.remove(index, fresh);
                        throw e;
                    }
                }
            }
            Tick joined = tick;
            TickState state = joined.join(expire);
            if (state == TickState.OPEN) {
                return () -> joined.leave(expire);
            }
            if (state == TickState.FIRED) {
                // The tick fired meanwhile, so its end, and with it the deadline, has passed: expire now.
                timer.execute(expire);
                return () -> { };
            }
            // EMPTIED: its last operation completed and took it off the timer meanwhile; join a new one.
        }
    }

    /** Ticks waiting to fire (tests). */
    int pendingTicks() {
        return ticks.size();
    }

    /** Where a tick is: taking operations, fired, or taken off the timer once its last operation left. */
    private enum TickState { OPEN, FIRED, EMPTIED }

    /**
     * One tick's expirations, fired together by one task on the timer. A tick whose operations
     * have all completed takes its task off the timer, so ticks of operations that complete in time
     * (nearly all) cost no wake-up at all.
     */
    private final class Tick implements Runnable {
        private final long index;
        private final Set<Runnable> expirations = ConcurrentHashMap.newKeySet();
        /** Guarded by this: no expiration may join once FIRED or EMPTIED. */
        private TickState state = TickState.OPEN;
        /** Its task on the timer (set right after scheduling; null before). */
        private volatile ScheduledFuture<?> task;

        Tick(long index) {
            this.index = index;
        }

        synchronized TickState join(Runnable expire) {
            if (state == TickState.OPEN) {
                expirations.add(expire);
            }
            return state;
        }

        void leave(Runnable expire) {
            expirations.remove(expire);
            if (!expirations.isEmpty()) {
                return;
            }
            synchronized (this) {
                if (state != TickState.OPEN || !expirations.isEmpty()) {
                    return;
                }
                state = TickState.EMPTIED;
            }
            ticks.remove(index, this);
            ScheduledFuture<?> scheduled = task;
            if (scheduled != null) {
                scheduled.cancel(false); // else it fires, finds the tick EMPTIED and does nothing
            }
        }

        @Override
        public void run() {
            synchronized (this) {
                if (state != TickState.OPEN) {
                    return;
                }
                state = TickState.FIRED;
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
