package io.runnel.broker.partition;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runnel.log.EpochEndOffset;
import io.runnel.log.EpochEntry;
import io.runnel.log.Log;
import io.runnel.log.LogConfig;
import io.runnel.record.CompressionType;
import io.runnel.record.RecordBatchBuilder;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12 item 3: a follower whose last epoch starts exactly at its log end (it led that epoch and
 * wrote nothing) must converge with a leader that never had the epoch, not be told "diverged" on
 * every fetch. Two real replicas on real logs; fetch rounds by hand.
 */
class DivergenceTest {
    private static final TopicPartition TP = new TopicPartition("__consumer_offsets", 3);

    @TempDir
    Path tmp;
    private ScheduledExecutorService scheduler;
    private final List<Log> logs = new ArrayList<>();
    private Partition one;
    private Partition two;

    @BeforeEach
    void setUp() {
        scheduler = Executors.newSingleThreadScheduledExecutor();
        one = replica(1);
        two = replica(2);
    }

    @AfterEach
    void tearDown() {
        logs.forEach(Log::close);
        scheduler.shutdownNow();
    }

    private Partition replica(int id) {
        return replica(id, "broker-" + id);
    }

    private Partition replica(int id, String dir) {
        Log log = Log.open(tmp.resolve(dir).resolve(TP.dirName()), LogConfig.defaults(), Clock.systemUTC(), scheduler);
        logs.add(log);
        // AlterPartition is never answered: these tests are about fetching, not ISR changes.
        return new Partition(TP, id, log, 0, Clock.systemUTC(), (tp, le, pe, isr) -> new CompletableFuture<>());
    }

    private static PartitionState state(int leader, int epoch) {
        return new PartitionState(leader, epoch, epoch, List.of(1, 2), List.of(1, 2));
    }

    private static ByteBuffer batch(String... values) {
        RecordBatchBuilder builder = new RecordBatchBuilder(CompressionType.NONE);
        for (String v : values) {
            builder.append(1000, null, v.getBytes());
        }
        return builder.build();
    }

    /** One fetch round of {@code follower} from {@code leader}; the diverging answer, or null if records came. */
    private static EpochEndOffset fetchOnce(Partition follower, Partition leader) {
        FetchResult result = leader.fetchRecords(new FetchRequestParams(2, follower.logEndOffset(),
            leader.state().leaderEpoch(), follower.lastFetchedEpoch(), 1 << 20));
        if (result.divergingEpoch() != null) {
            follower.truncateToDivergence(result.divergingEpoch(), true);
            return result.divergingEpoch();
        }
        follower.appendRecordsAsFollower(result.records().toByteBuffer(), result.highWatermark());
        return null;
    }

    @Test
    void anEpochLedWithoutWrites_isDroppedByTruncation_andTheFollowerConverges() {
        one.makeLeader(state(1, 0));
        two.makeFollower(state(1, 0));
        one.appendRecordsAsLeader(batch("a", "b", "c"), false, 1);
        assertNull(fetchOnce(two, one));
        assertEquals(3, two.logEndOffset());

        // Epoch 1: node 2 leads, writes nothing; node 1 never hears of it (isolated).
        two.makeLeader(state(2, 1));
        assertEquals(List.of(new EpochEntry(0, 0), new EpochEntry(1, 3)), two.log().leaderEpochCache().entries());
        // Epoch 2: node 1 leads again; node 2 follows with epoch 1 starting at its log end.
        one.makeLeader(state(1, 2));
        two.makeFollower(state(1, 2));

        EpochEndOffset first = fetchOnce(two, one);
        assertEquals(new EpochEndOffset(0, 3), first, "the leader never had epoch 1: epoch 0 ends at 3 there");
        assertEquals(3, two.logEndOffset(), "nothing to remove");
        assertEquals(List.of(new EpochEntry(0, 0)), two.log().leaderEpochCache().entries(),
            "the empty epoch 1 is gone, so the next fetch names epoch 0");

        assertNull(fetchOnce(two, one), "no second divergence: the follower converged");
        one.appendRecordsAsLeader(batch("d"), false, 1);
        assertNull(fetchOnce(two, one));
        assertEquals(4, two.logEndOffset());
        assertEquals(List.of(new EpochEntry(0, 0), new EpochEntry(2, 3)), two.log().leaderEpochCache().entries());
    }

    @Test
    void anEmptyPartitionLedOnce_convergesAtZero() {
        // The fault run's "__consumer_offsets-N: truncated to 0" loop: no records anywhere.
        two.makeLeader(state(2, 1));
        one.makeLeader(state(1, 2));
        two.makeFollower(state(1, 2));
        assertEquals(EpochEndOffset.UNDEFINED.epoch(), fetchOnce(two, one).epoch());
        assertEquals(List.of(), two.log().leaderEpochCache().entries());
        assertNull(fetchOnce(two, one), "converged");
    }

    @Test
    void aLeaderWithoutTheCommittedRecords_isRefused_unlessUncleanElectionIsOn() {
        // Seed 1400's shape: the leader's records are committed (the follower holds the high
        // watermark), then the leader comes back with an empty log and, from a stale image, leads
        // the same epoch. A follower that truncated to it would lose every acknowledged record.
        one.makeLeader(state(1, 0));
        two.makeFollower(state(1, 0));
        one.appendRecordsAsLeader(batch("a", "b", "c"), true, 1);
        assertNull(fetchOnce(two, one));
        assertNull(fetchOnce(two, one)); // reports its end: the high watermark reaches 3 and comes back
        assertEquals(3, two.highWatermark());

        Partition wiped = replica(3, "wiped");
        wiped.makeLeader(new PartitionState(3, 0, 0, List.of(2, 3), List.of(2, 3)));
        two.makeFollower(new PartitionState(3, 0, 0, List.of(2, 3), List.of(2, 3)));
        FetchResult answer = wiped.fetchRecords(new FetchRequestParams(2, two.logEndOffset(), 0, two.lastFetchedEpoch(), 1 << 20));
        assertEquals(new EpochEndOffset(0, 0), answer.divergingEpoch(), "the empty leader's epoch 0 ends at 0");

        PartitionException.CommittedTruncationException refused = assertThrows(
            PartitionException.CommittedTruncationException.class, () -> two.truncateToDivergence(answer.divergingEpoch(), true));
        assertTrue(refused.getMessage().contains("below the high watermark 3"), refused.getMessage());
        assertEquals(3, two.logEndOffset(), "nothing was cut");
        assertThrows(PartitionException.CommittedTruncationException.class, () -> two.truncateForOutOfRange(0, 0, true));
        assertEquals(3, two.logEndOffset(), "nothing was cut");

        // With unclean election the topic accepts the loss: the follower takes the leader's history.
        two.truncateToDivergence(answer.divergingEpoch(), false);
        assertEquals(0, two.logEndOffset());
    }

    @Test
    void divergencePoint_followsKafkasRule() {
        // The leader knows no epoch at or below ours: start over at our log start.
        assertEquals(new DivergencePoint(5, true), DivergencePoint.of(EpochEndOffset.UNDEFINED, new EpochEndOffset(3, 9), 5, 9));
        // We know no epoch at or below the leader's: its end, capped at ours.
        assertEquals(new DivergencePoint(4, true), DivergencePoint.of(new EpochEndOffset(1, 4), EpochEndOffset.UNDEFINED, 0, 9));
        assertEquals(new DivergencePoint(9, true), DivergencePoint.of(new EpochEndOffset(1, 40), EpochEndOffset.UNDEFINED, 0, 9));
        // Both know the epoch: the smaller end.
        assertEquals(new DivergencePoint(6, true), DivergencePoint.of(new EpochEndOffset(2, 6), new EpochEndOffset(2, 8), 0, 12));
        assertEquals(new DivergencePoint(8, true), DivergencePoint.of(new EpochEndOffset(2, 10), new EpochEndOffset(2, 8), 0, 12));
        // We have only an older epoch (0, ending at 9 here) than the leader's (1, ending at 6 there):
        // our 0..8 may hold epoch-0 records where the leader has epoch 1, so cut at our end of
        // epoch 0 and ask again for epoch 0 rather than trusting the leader's end of epoch 1.
        assertEquals(new DivergencePoint(9, false), DivergencePoint.of(new EpochEndOffset(1, 6), new EpochEndOffset(0, 9), 0, 12));
    }
}
