package io.runnel.log;

import static io.runnel.log.TestBatches.batch;
import static io.runnel.log.TestBatches.label;
import static io.runnel.log.TestBatches.readAll;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runnel.record.Record;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code flush.policy=sync} as a group commit, through {@link Log} on real files. */
class LogSyncFlushTest extends LogTestBase {
    private static final LogConfig SYNC = smallConfig(Map.of(LogConfig.FLUSH_POLICY, "sync"));
    private ExecutorService threads;

    @BeforeEach
    void setUpThreads() {
        threads = Executors.newCachedThreadPool();
    }

    @AfterEach
    void tearDownThreads() throws InterruptedException {
        threads.shutdownNow();
        threads.awaitTermination(10, TimeUnit.SECONDS);
    }

    private static Throwable failureOf(Future<?> f) throws Exception {
        try {
            f.get(1, TimeUnit.MINUTES);
        } catch (ExecutionException e) {
            return e.getCause();
        }
        throw new AssertionError("expected the append to fail");
    }

    /** A sync held in flight: the next sync of {@code log} waits in its starting thread until the returned latch opens. */
    private static CountDownLatch[] holdNextSync(Log log) {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch gate = new CountDownLatch(1);
        log.beforeSyncForTest(() -> {
            entered.countDown();
            try {
                gate.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        return new CountDownLatch[] {entered, gate};
    }

    @Test
    void severalAppenders_everyAppendIsDurableWhenItReturns_andEveryOffsetSurvivesACrash() throws Exception {
        Log log = open(SYNC);
        int appenders = 8;
        int each = 60;
        AtomicInteger notDurable = new AtomicInteger();
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < appenders; t++) {
            int thread = t;
            futures.add(threads.submit(() -> {
                for (int i = 0; i < each; i++) {
                    int n = thread * 1000 + i;
                    // 300-byte values in 4 KiB segments: the appenders roll segments under each other.
                    LogAppendInfo info = log.appendAsLeader(batch(n, 1, 10, 300), 0);
                    if (log.recoveryPoint() <= info.lastOffset()) {
                        notDurable.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get(5, TimeUnit.MINUTES);
        }
        assertEquals(0, notDurable.get(), "an append returned before its offset was below the recovery point");
        int total = appenders * each;
        assertEquals(total, log.logEndOffset());
        assertEquals(total, log.recoveryPoint());
        assertTrue(log.numberOfSegments() > 10, "rolls happened: " + log.numberOfSegments());
        assertTrue(log.syncCount() <= total, "at most one fsync per append: " + log.syncCount());

        crash(log);
        Log reopened = open(SYNC);
        assertEquals(total, reopened.logEndOffset());
        List<Record> records = readAll(reopened, 0, 1 << 20);
        assertEquals(total, records.size());
        Set<String> labels = new HashSet<>();
        for (int i = 0; i < records.size(); i++) {
            assertEquals(i, records.get(i).offset());
            labels.add(label(records.get(i).value()));
        }
        for (int t = 0; t < appenders; t++) {
            for (int i = 0; i < each; i++) {
                assertTrue(labels.contains("v" + (t * 1000 + i)), "missing v" + (t * 1000 + i));
            }
        }
    }

    @Test
    void appendersQueuedBehindAnFsync_shareTheNextOne() throws Exception {
        Log log = open(SYNC);
        log.appendAsLeader(batch(0, 1, 10), 0);
        long before = log.syncCount();
        CountDownLatch[] held = holdNextSync(log);
        Future<?> leader = threads.submit(() -> log.appendAsLeader(batch(1, 1, 10), 0));
        assertTrue(held[0].await(1, TimeUnit.MINUTES));
        log.beforeSyncForTest(() -> { });
        List<Future<?>> queued = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            int n = 2 + i;
            queued.add(threads.submit(() -> log.appendAsLeader(batch(n, 1, 10), 0)));
        }
        await().atMost(Duration.ofMinutes(1)).until(() -> log.logEndOffset() == 8);
        assertEquals(1, log.recoveryPoint(), "nothing written after the held fsync began is durable yet");
        held[1].countDown();
        leader.get(1, TimeUnit.MINUTES);
        for (Future<?> f : queued) {
            f.get(1, TimeUnit.MINUTES);
        }
        assertEquals(8, log.recoveryPoint());
        // The held sync reads the log end only once released, so its one fsync covers all seven.
        assertEquals(1, log.syncCount() - before, "one fsync for the held append and the six queued behind it");
    }

    @Test
    void deferredAppend_isWrittenAtOnce_andDurableOnceAwaited() throws Exception {
        Log log = open(SYNC);
        CountDownLatch[] held = holdNextSync(log);
        PendingAppend pending = log.appendAsLeaderDeferred(ValidatedBatches.check(batch(0, 3, 10)), 0);
        assertEquals(3, log.logEndOffset());
        assertEquals(3, readAll(log, 0, 1 << 20).size());
        assertEquals(0, log.recoveryPoint());
        Future<LogAppendInfo> waiting = threads.submit(pending::awaitDurable);
        assertTrue(held[0].await(1, TimeUnit.MINUTES));
        assertFalse(waiting.isDone());
        held[1].countDown();
        assertEquals(2, waiting.get(1, TimeUnit.MINUTES).lastOffset());
        assertEquals(3, log.recoveryPoint());
        log.awaitDurable(3); // already durable: returns at once
        log.awaitDurable(1000); // capped at the log end
        assertEquals(3, log.recoveryPoint());
    }

    @Test
    void truncationBelowTheDurableOffset_whileAnFsyncIsInFlight() throws Exception {
        Log log = open(SYNC);
        log.appendAsLeader(batch(0, 5, 10), 0);
        log.appendAsLeader(batch(5, 5, 10), 0);
        assertEquals(10, log.recoveryPoint());

        CountDownLatch[] held = holdNextSync(log);
        Future<?> leader = threads.submit(() -> log.appendAsLeader(batch(10, 10, 10), 0)); // runs the held sync
        assertTrue(held[0].await(1, TimeUnit.MINUTES));
        Future<?> queued = threads.submit(() -> log.appendAsLeader(batch(20, 10, 10), 0));
        await().atMost(Duration.ofMinutes(1)).until(() -> log.logEndOffset() == 30);

        // A follower's divergence: everything from offset 5 goes, below the durable offset (10).
        log.truncateTo(5);
        assertEquals(5, log.logEndOffset());
        assertEquals(5, log.recoveryPoint());
        Throwable t = failureOf(queued);
        assertTrue(t instanceof IllegalStateException && t.getMessage().contains("truncated"), t.toString());

        held[1].countDown();
        t = failureOf(leader);
        assertTrue(t instanceof IllegalStateException && t.getMessage().contains("truncated"), t.toString());
        assertEquals(5, log.recoveryPoint(), "the in-flight fsync does not publish offsets that were truncated");

        log.beforeSyncForTest(() -> { });
        log.appendAsLeader(batch(100, 3, 10), 1);
        assertEquals(8, log.recoveryPoint());
        crash(log);
        Log reopened = open(SYNC);
        List<String> labels = readAll(reopened, 0, 1 << 20).stream().map(r -> label(r.value())).toList();
        assertEquals(List.of("v0", "v1", "v2", "v3", "v4", "v100", "v101", "v102"), labels);
    }

    @Test
    void aFailedFsync_failsTheAppendsItCovered_andRefusesLaterOnes() throws Exception {
        Log log = open(SYNC);
        log.appendAsLeader(batch(0, 2, 10), 0);
        log.beforeSyncForTest(() -> {
            throw new UncheckedIOException(new IOException("EIO (injected)"));
        });
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> log.appendAsLeader(batch(2, 2, 10), 0));
        assertEquals("EIO (injected)", e.getCause().getMessage());
        assertEquals(2, log.recoveryPoint());

        log.beforeSyncForTest(() -> { });
        assertThrows(UncheckedIOException.class, () -> log.appendAsLeader(batch(4, 2, 10), 0));
        assertEquals(4, log.logEndOffset(), "a refused append writes nothing");
        assertThrows(UncheckedIOException.class, log::flush);
        assertThrows(UncheckedIOException.class, () -> log.awaitDurable(2), "a retried append is not told it is durable");
        assertEquals(2, log.recoveryPoint());
        crash(log); // the broker's response to a disk error: release the files, recover on the next open
        Log reopened = open(SYNC);
        assertFalse(reopened.recoveryReport().cleanShutdown());
        reopened.appendAsLeader(batch(4, 1, 10), 0);
        assertEquals(5, reopened.recoveryPoint());
    }

    @Test
    void close_whileAppendsWait_makesThemDurable() throws Exception {
        Log log = open(SYNC);
        CountDownLatch[] held = holdNextSync(log);
        Future<?> leader = threads.submit(() -> log.appendAsLeader(batch(0, 1, 10), 0));
        assertTrue(held[0].await(1, TimeUnit.MINUTES));
        log.beforeSyncForTest(() -> { });
        Future<?> queued = threads.submit(() -> log.appendAsLeader(batch(1, 1, 10), 0));
        await().atMost(Duration.ofMinutes(1)).until(() -> log.logEndOffset() == 2);
        Future<?> closing = threads.submit(log::close);
        held[1].countDown();
        closing.get(1, TimeUnit.MINUTES);
        leader.get(1, TimeUnit.MINUTES);
        queued.get(1, TimeUnit.MINUTES);
        Log reopened = open(SYNC);
        assertTrue(reopened.recoveryReport().cleanShutdown());
        assertEquals(2, reopened.recoveryPoint());
        assertEquals(2, readAll(reopened, 0, 1 << 20).size());
    }
}
