package io.runnel.broker.purgatory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DelayedOperationPurgatoryTest {
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final DelayedOperationPurgatory<String> purgatory = new DelayedOperationPurgatory<>("test", timer);

    @AfterEach
    void tearDown() {
        timer.shutdownNow();
    }

    /** Waits until a shared counter reaches a target; records how it ended. */
    private static final class WaitFor extends DelayedOperation {
        final AtomicLong counter;
        final long target;
        final AtomicInteger completions = new AtomicInteger();
        final AtomicBoolean expired = new AtomicBoolean();

        WaitFor(AtomicLong counter, long target, long timeoutMs) {
            super(timeoutMs);
            this.counter = counter;
            this.target = target;
        }

        @Override
        public boolean tryComplete() {
            return counter.get() >= target && forceComplete();
        }

        @Override
        protected void onExpiration() {
            expired.set(true);
        }

        @Override
        protected void onComplete() {
            completions.incrementAndGet();
        }
    }

    @Test
    void completesOnProgress_notBefore() {
        AtomicLong hw = new AtomicLong();
        WaitFor op = new WaitFor(hw, 5, 60_000);
        assertFalse(purgatory.tryCompleteElseWatch(op, List.of("p0", "p1")));
        hw.set(4);
        assertEquals(0, purgatory.checkAndComplete("p0"));
        hw.set(5);
        assertEquals(1, purgatory.checkAndComplete("p1"));
        assertEquals(0, purgatory.checkAndComplete("p0"));
        assertEquals(1, op.completions.get());
        assertFalse(op.expired.get());
        assertEquals(0, purgatory.watching("p0"));
    }

    @Test
    void completesImmediatelyWhenAlreadySatisfied() {
        WaitFor op = new WaitFor(new AtomicLong(9), 5, 60_000);
        assertTrue(purgatory.tryCompleteElseWatch(op, List.of("p0")));
        assertEquals(0, purgatory.watching("p0"));
    }

    @Test
    void expiresAtTimeout_exactlyOnce() {
        WaitFor op = new WaitFor(new AtomicLong(), 1, 50);
        purgatory.tryCompleteElseWatch(op, List.of("p0"));
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> op.completions.get() == 1);
        assertTrue(op.expired.get());
        assertFalse(op.forceComplete());
        assertEquals(1, op.completions.get());
    }

    @Test
    void concurrentProgressCompletesEachOperationOnce() throws Exception {
        AtomicLong hw = new AtomicLong();
        List<WaitFor> ops = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            WaitFor op = new WaitFor(hw, i % 50, 60_000);
            ops.add(op);
            purgatory.tryCompleteElseWatch(op, List.of("p" + (i % 3)));
        }
        CountDownLatch start = new CountDownLatch(1);
        Thread[] threads = new Thread[4];
        for (int t = 0; t < threads.length; t++) {
            threads[t] = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < 60; i++) {
                    hw.incrementAndGet();
                    for (int p = 0; p < 3; p++) {
                        purgatory.checkAndComplete("p" + p);
                    }
                }
            });
            threads[t].start();
        }
        start.countDown();
        for (Thread t : threads) {
            t.join();
        }
        for (WaitFor op : ops) {
            assertEquals(1, op.completions.get());
            assertFalse(op.expired.get());
        }
    }

    @Test
    void parkingOperationsAddsNoTimerTaskEach_andCompletingThemLeavesNoneBehind() {
        // Parking used to schedule a timer task per operation; each new head of the timer's queue woke
        // its thread. Now operations whose deadlines share a tick (one minute here) share one task.
        ScheduledThreadPoolExecutor ticking = new ScheduledThreadPoolExecutor(1);
        try {
            DelayedOperationPurgatory<String> wide = new DelayedOperationPurgatory<>("wide", ticking, 60_000);
            AtomicLong hw = new AtomicLong();
            List<WaitFor> ops = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                WaitFor op = new WaitFor(hw, 1, 120_000);
                ops.add(op);
                assertFalse(wide.tryCompleteElseWatch(op, List.of("p0")));
            }
            assertTrue(ticking.getQueue().size() <= 2, "timer tasks for 100 parked operations: " + ticking.getQueue().size());
            hw.set(1);
            assertEquals(100, wide.checkAndComplete("p0"));
            ops.forEach(op -> assertEquals(1, op.completions.get()));
            ops.forEach(op -> assertFalse(op.expired.get()));
            assertEquals(0, wide.watching("p0"));
        } finally {
            ticking.shutdownNow();
        }
    }
}
