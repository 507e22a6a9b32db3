package io.runnel.log;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Group commit against a real file: appenders write to a FileChannel and wait; the sync forces the
 * channel and counts how often it did. A sync can be held in flight (a latch) so that the waiters
 * arriving meanwhile are known before it finishes.
 */
class GroupCommitTest {
    @TempDir
    Path tmp;
    private FileChannel channel;
    private ExecutorService threads;
    private final AtomicLong end = new AtomicLong();
    private final AtomicInteger written = new AtomicInteger();
    private final AtomicInteger forces = new AtomicInteger();
    /** Syncs wait on this while it is set; the first sync to arrive counts down {@link #syncEntered}. */
    private volatile CountDownLatch gate;
    private volatile CountDownLatch syncEntered = new CountDownLatch(1);
    private volatile IOException failNext;
    private GroupCommit commit;

    @BeforeEach
    void setUp() throws IOException {
        channel = FileChannel.open(tmp.resolve("log"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        threads = Executors.newCachedThreadPool();
        commit = new GroupCommit("test", 0, this::sync);
    }

    @AfterEach
    void tearDown() throws Exception {
        CountDownLatch g = gate;
        if (g != null) {
            g.countDown();
        }
        threads.shutdownNow();
        threads.awaitTermination(10, TimeUnit.SECONDS);
        channel.close();
    }

    /** The sync: note the end, force the file, count it. */
    private long sync() throws IOException {
        long upTo = end.get();
        syncEntered.countDown();
        CountDownLatch g = gate;
        if (g != null) {
            try {
                g.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }
        IOException failure = failNext;
        if (failure != null) {
            forces.incrementAndGet();
            throw failure;
        }
        channel.force(false);
        forces.incrementAndGet();
        return upTo;
    }

    /** Writes 100 bytes and registers for them, as the log does under its lock. */
    private synchronized GroupCommit.Waiter write() throws IOException {
        ByteBuffer bytes = ByteBuffer.allocate(100);
        while (bytes.hasRemaining()) {
            channel.write(bytes);
        }
        long upTo = end.addAndGet(100);
        GroupCommit.Waiter w = commit.enqueue(upTo);
        written.incrementAndGet();
        return w;
    }

    /** An appender: write, then wait for durability; returns the offset it waited for. */
    private Future<Long> append() {
        return threads.submit(() -> {
            GroupCommit.Waiter w = write();
            commit.await(w);
            return w.upTo();
        });
    }

    /** Starts an appender that becomes the leader and holds its sync in flight until {@link #gate} opens. */
    private Future<Long> leaderHeldInSync() throws InterruptedException {
        syncEntered = new CountDownLatch(1);
        gate = new CountDownLatch(1);
        Future<Long> leader = append();
        assertTrue(syncEntered.await(1, TimeUnit.MINUTES), "the first appender starts a sync");
        return leader;
    }

    private static Throwable failureOf(Future<?> f) throws InterruptedException, java.util.concurrent.TimeoutException {
        try {
            f.get(1, TimeUnit.MINUTES);
        } catch (ExecutionException e) {
            return e.getCause();
        }
        throw new AssertionError("expected the append to fail");
    }

    @Test
    void waitersArrivingDuringAnFsync_areAllCoveredByTheNextOne() throws Exception {
        Future<Long> leader = leaderHeldInSync();
        List<Future<Long>> followers = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            followers.add(append());
        }
        await().atMost(Duration.ofMinutes(1)).until(() -> written.get() == 9);
        assertFalse(leader.isDone());
        gate.countDown();

        assertEquals(100, leader.get(1, TimeUnit.MINUTES));
        for (Future<Long> f : followers) {
            assertTrue(f.get(1, TimeUnit.MINUTES) > 100);
        }
        // One fsync for the leader's own bytes, one for the eight that queued up behind it.
        assertEquals(2, forces.get());
        assertEquals(2, commit.syncCount());
        assertEquals(900, commit.durableOffset());
    }

    @Test
    void anAppendAlreadyCovered_returnsWithoutAnFsync() throws Exception {
        assertEquals(100, append().get(1, TimeUnit.MINUTES));
        assertEquals(1, forces.get());
        commit.await(commit.enqueue(100));
        commit.awaitDurable(50);
        assertEquals(1, forces.get());
        assertEquals(100, commit.durableOffset());
    }

    @Test
    void aFailedFsync_failsEveryWaiterItCovered_andEveryLaterAppend() throws Exception {
        assertEquals(100, append().get(1, TimeUnit.MINUTES)); // a good fsync first: its append stays good
        Future<Long> leader = leaderHeldInSync();
        List<Future<Long>> followers = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            followers.add(append());
        }
        await().atMost(Duration.ofMinutes(1)).until(() -> written.get() == 6);
        IOException disk = new IOException("EIO");
        failNext = disk;
        gate.countDown();

        Throwable leaderFailure = failureOf(leader);
        assertTrue(leaderFailure instanceof UncheckedIOException, leaderFailure.toString());
        assertSame(disk, leaderFailure.getCause());
        for (Future<Long> f : followers) {
            Throwable t = failureOf(f);
            assertTrue(t instanceof UncheckedIOException, t.toString());
            assertSame(disk, t.getCause());
        }
        assertEquals(100, commit.durableOffset(), "nothing after the failure is claimed durable");
        assertTrue(commit.failed());

        // Later: no new waiter is accepted, and even a successful-looking fsync would not count.
        failNext = null;
        UncheckedIOException refused = assertThrows(UncheckedIOException.class, () -> commit.enqueue(1000));
        assertSame(disk, refused.getCause());
        assertThrows(UncheckedIOException.class, commit::ensureHealthy);
        commit.advanceTo(10_000);
        assertEquals(100, commit.durableOffset());
        assertEquals(2, commit.syncCount(), "no sync runs after the failure");
    }

    @Test
    void truncationWhileAnFsyncIsInFlight_failsTheWaitersAboveIt_andCapsWhatTheFsyncPublishes() throws Exception {
        assertEquals(100, append().get(1, TimeUnit.MINUTES));
        assertEquals(200, append().get(1, TimeUnit.MINUTES));
        Future<Long> leader = leaderHeldInSync(); // waits for 300; its sync saw the end at 300
        Future<Long> above = append();            // waits for 400
        await().atMost(Duration.ofMinutes(1)).until(() -> written.get() == 4);

        // Truncate below the durable offset (200) while the fsync is in flight.
        synchronized (this) {
            end.set(150);
            commit.truncateTo(150);
        }
        assertEquals(150, commit.durableOffset());
        Throwable t = failureOf(above);
        assertTrue(t instanceof IllegalStateException && t.getMessage().contains("truncated"), t.toString());

        gate.countDown();
        Throwable leaderFailure = failureOf(leader);
        assertTrue(leaderFailure instanceof IllegalStateException, leaderFailure.toString());
        // The in-flight fsync covered offsets up to 300, but what lay above 150 is gone.
        assertEquals(150, commit.durableOffset());

        gate = null;
        assertEquals(250, append().get(1, TimeUnit.MINUTES));
        assertEquals(250, commit.durableOffset());
    }

    @Test
    void aFlushWaitingAcrossATruncation_waitsForTheTruncationOffsetInstead_andDoesNotFail() throws Exception {
        assertEquals(100, append().get(1, TimeUnit.MINUTES));
        Future<Long> leader = leaderHeldInSync(); // waits for 200
        Future<?> flush = threads.submit(() -> {
            commit.awaitDurable(200);
            return null;
        });
        await().atMost(Duration.ofMinutes(1)).until(() -> commit.waitingCount() == 2);
        synchronized (this) {
            end.set(150);
            commit.truncateTo(150);
        }
        assertFalse(flush.isDone(), "150 is not durable yet");
        gate.countDown(); // the leader is the thread running the held sync: it learns its fate after
        assertTrue(failureOf(leader) instanceof IllegalStateException, "the append's bytes are gone");
        flush.get(1, TimeUnit.MINUTES);
        assertEquals(150, commit.durableOffset());
    }

    @Test
    void resetTo_movesTheDurableOffsetEitherWay_andFailsWaitersForRemovedBytes() throws Exception {
        assertEquals(100, append().get(1, TimeUnit.MINUTES));
        Future<Long> leader = leaderHeldInSync();
        await().atMost(Duration.ofMinutes(1)).until(() -> written.get() == 2);
        synchronized (this) {
            end.set(5000);
            commit.resetTo(5000);
        }
        assertEquals(5000, commit.durableOffset());
        gate.countDown();
        assertTrue(failureOf(leader) instanceof IllegalStateException);
        assertEquals(5000, commit.durableOffset());
    }

    @Test
    void close_failsWaitersStillPending_andRefusesNewOnes() throws Exception {
        Future<Long> leader = leaderHeldInSync();
        Future<Long> follower = append();
        await().atMost(Duration.ofMinutes(1)).until(() -> written.get() == 2);
        commit.close();
        assertTrue(failureOf(follower) instanceof IllegalStateException);
        gate.countDown();
        assertTrue(failureOf(leader) instanceof IllegalStateException);
        assertThrows(IllegalStateException.class, () -> commit.enqueue(1000));
    }

    @Test
    void manyAppendersWithoutHolding_everyAppendDurableWhenItReturns_withFewerFsyncsThanAppends() throws Exception {
        List<Future<?>> appenders = new ArrayList<>();
        AtomicInteger violations = new AtomicInteger();
        for (int t = 0; t < 8; t++) {
            appenders.add(threads.submit(() -> {
                for (int i = 0; i < 200; i++) {
                    GroupCommit.Waiter w = write();
                    commit.await(w);
                    if (commit.durableOffset() < w.upTo()) {
                        violations.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : appenders) {
            f.get(5, TimeUnit.MINUTES);
        }
        assertEquals(0, violations.get());
        assertEquals(1600 * 100, commit.durableOffset());
        assertEquals(forces.get(), commit.syncCount());
        assertTrue(forces.get() <= 1600, "never more than one fsync per append: " + forces.get());
    }
}
