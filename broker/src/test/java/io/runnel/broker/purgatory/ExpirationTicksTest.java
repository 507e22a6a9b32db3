package io.runnel.broker.purgatory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ExpirationTicksTest {
    private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1);

    @AfterEach
    void tearDown() {
        timer.shutdownNow();
    }

    @Test
    void operationsOfOneTickShareOneTimerTask() {
        // A one-minute tick: 200 deadlines a few microseconds apart fall into one tick, two if they straddle its end.
        ExpirationTicks ticks = new ExpirationTicks(timer, 60_000);
        for (int i = 0; i < 200; i++) {
            ticks.add(120_000, () -> { });
        }
        assertTrue(timer.getQueue().size() <= 2, "timer tasks: " + timer.getQueue().size());
        assertTrue(ticks.pendingTicks() <= 2);
    }

    @Test
    void expiresNeverBeforeTheDeadline_andCancelledOnesNever() {
        ExpirationTicks ticks = new ExpirationTicks(timer, 10);
        List<Long> early = new CopyOnWriteArrayList<>();
        AtomicInteger expired = new AtomicInteger();
        AtomicInteger cancelledRan = new AtomicInteger();
        for (int i = 0; i < 20; i++) {
            long timeoutMs = 5 + 7L * i;
            long added = System.nanoTime();
            ticks.add(timeoutMs, () -> {
                long waited = System.nanoTime() - added;
                if (waited < TimeUnit.MILLISECONDS.toNanos(timeoutMs)) {
                    early.add(waited);
                }
                expired.incrementAndGet();
            });
            ticks.add(timeoutMs, cancelledRan::incrementAndGet).run(); // cancelled at once
        }
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> expired.get() == 20);
        assertEquals(List.of(), early, "expired before their deadline (ns waited)");
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> ticks.pendingTicks() == 0);
        assertEquals(0, cancelledRan.get());
    }

    @Test
    void oneFailingExpirationDoesNotStopTheOthersOfItsTick() {
        ExpirationTicks ticks = new ExpirationTicks(timer, 60_000);
        Set<Integer> ran = ConcurrentHashMap.newKeySet();
        ticks.add(0, () -> {
            throw new IllegalStateException("boom");
        });
        for (int i = 0; i < 5; i++) {
            int n = i;
            ticks.add(0, () -> ran.add(n));
        }
        // Fire whatever is due without waiting for the minute: run the queued tick tasks by hand.
        timer.getQueue().forEach(task -> ((Runnable) task).run());
        assertEquals(5, ran.size());
    }

    @Test
    void aTickWhoseOperationsAllCompleted_leavesTheTimer() {
        // As the node's timers are: a cancelled task leaves the queue. Operations that complete in time
        // (nearly all) then leave no task behind to wake the timer thread at their deadline.
        timer.setRemoveOnCancelPolicy(true);
        ExpirationTicks ticks = new ExpirationTicks(timer, 10);
        List<Runnable> cancels = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            cancels.add(ticks.add(60_000 + i, () -> { }));
        }
        assertTrue(timer.getQueue().size() >= 1);
        cancels.forEach(Runnable::run);
        assertEquals(0, timer.getQueue().size());
        assertEquals(0, ticks.pendingTicks());
        // A tick emptied meanwhile is not joined again: a new one takes the next operation.
        AtomicInteger expired = new AtomicInteger();
        ticks.add(0, expired::incrementAndGet);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> expired.get() == 1);
    }

    @Test
    void refusesANonPositiveTick() {
        assertThrows(IllegalArgumentException.class, () -> new ExpirationTicks(timer, 0));
    }
}
