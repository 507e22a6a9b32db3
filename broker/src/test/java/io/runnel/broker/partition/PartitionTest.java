package io.runnel.broker.partition;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runnel.broker.partition.PartitionException.FencedLeaderEpochException;
import io.runnel.broker.partition.PartitionException.NotEnoughReplicasException;
import io.runnel.broker.partition.PartitionException.NotLeaderException;
import io.runnel.broker.partition.PartitionException.NotReplicaException;
import io.runnel.log.Log;
import io.runnel.log.LogConfig;
import io.runnel.record.CompressionType;
import io.runnel.record.Record;
import io.runnel.record.RecordBatch;
import io.runnel.record.RecordBatchBuilder;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ISR protocol on three real partition replicas (real logs in temp dirs), with followers
 * fetching by hand and a small in-memory controller that accepts AlterPartition when the partition
 * epoch matches, as the quorum does.
 */
class PartitionTest {
    private static final TopicPartition TP = new TopicPartition("orders", 0);

    @TempDir
    Path tmp;
    private final AtomicLong now = new AtomicLong(1_000_000);
    private final Clock clock = new Clock() {
        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(now.get());
        }
    };
    private ScheduledExecutorService scheduler;
    private final Map<Integer, Partition> replicas = new HashMap<>();
    private final List<Log> logs = new ArrayList<>();
    private PartitionState controllerState;

    @BeforeEach
    void setUp() {
        scheduler = Executors.newSingleThreadScheduledExecutor();
        for (int id = 1; id <= 3; id++) {
            Log log = Log.open(tmp.resolve("broker-" + id).resolve(TP.dirName()), LogConfig.defaults(), clock, scheduler);
            logs.add(log);
            replicas.put(id, new Partition(TP, id, log, 0, clock, this::alterPartition));
        }
    }

    @AfterEach
    void tearDown() {
        logs.forEach(Log::close);
        scheduler.shutdownNow();
    }

    /** How the test controller answers an AlterPartition it commits. */
    private enum Answer { DELIVER, HOLD, LOSE }

    private Answer answer = Answer.DELIVER;
    private final Set<Integer> fenced = new HashSet<>();
    private final List<CompletableFuture<AlterPartitionResult>> heldAnswers = new ArrayList<>();
    private int alterPartitionCalls;

    /**
     * The controller's side of AlterPartition, as the quorum decides it: undecided for stale epochs
     * (the partition moved on), refused for a fenced new member, else committed with the partition
     * epoch bumped; the answer is delivered, held back, or lost (a timeout after the commit).
     */
    private synchronized CompletableFuture<AlterPartitionResult> alterPartition(TopicPartition tp, int leaderEpoch,
                                                                                int partitionEpoch, List<Integer> newIsr) {
        alterPartitionCalls++;
        if (leaderEpoch != controllerState.leaderEpoch() || partitionEpoch != controllerState.partitionEpoch()) {
            return CompletableFuture.completedFuture(new AlterPartitionResult.Undecided("stale partition epoch " + partitionEpoch));
        }
        for (int r : newIsr) {
            if (!controllerState.isr().contains(r) && fenced.contains(r)) {
                return CompletableFuture.completedFuture(new AlterPartitionResult.Refused("broker " + r + " is fenced"));
            }
        }
        controllerState = new PartitionState(controllerState.leaderId(), leaderEpoch, partitionEpoch + 1,
            controllerState.replicas(), newIsr);
        switch (answer) {
            case LOSE:
                return CompletableFuture.completedFuture(new AlterPartitionResult.Undecided("DEADLINE_EXCEEDED"));
            case HOLD:
                CompletableFuture<AlterPartitionResult> later = new CompletableFuture<>();
                heldAnswers.add(later);
                return later;
            default:
                return CompletableFuture.completedFuture(new AlterPartitionResult.Accepted(controllerState));
        }
    }

    /** Elects {@code leader} in a new epoch and tells every replica, as the metadata stream would. */
    private void elect(int leader, List<Integer> isr) {
        int epoch = controllerState == null ? 0 : controllerState.leaderEpoch() + 1;
        int partitionEpoch = controllerState == null ? 0 : controllerState.partitionEpoch() + 1;
        controllerState = new PartitionState(leader, epoch, partitionEpoch, List.of(1, 2, 3), isr);
        for (Map.Entry<Integer, Partition> e : replicas.entrySet()) {
            if (e.getKey() == leader) {
                e.getValue().makeLeader(controllerState);
            } else {
                e.getValue().makeFollower(controllerState);
            }
        }
    }

    private static ByteBuffer batch(String... values) {
        RecordBatchBuilder builder = new RecordBatchBuilder(CompressionType.NONE);
        for (String v : values) {
            builder.append(1000, null, v.getBytes());
        }
        return builder.build();
    }

    /** One follower fetch round: fetch from the leader, truncate on divergence, else append. */
    private void fetchOnce(int followerId, int leaderId) {
        Partition follower = replicas.get(followerId);
        Partition leader = replicas.get(leaderId);
        FetchResult result = leader.fetchRecords(new FetchRequestParams(followerId, follower.logEndOffset(),
            leader.state().leaderEpoch(), follower.lastFetchedEpoch(), 1 << 20));
        if (result.divergingEpoch() != null) {
            follower.truncateToDivergence(result.divergingEpoch(), true);
            return;
        }
        follower.appendRecordsAsFollower(result.records().toByteBuffer(), result.highWatermark());
    }

    private static List<String> values(Partition p) {
        List<String> out = new ArrayList<>();
        ByteBuffer all = p.log().read(p.log().logStartOffset(), Integer.MAX_VALUE, Long.MAX_VALUE, true).records().toByteBuffer();
        RecordBatch batch = new RecordBatch();
        for (int at = 0; at < all.limit(); at += batch.sizeInBytes()) {
            batch.wrap(all, at, at);
            for (Record r : batch.records()) {
                out.add(r.offset() + ":" + new String(r.value()));
            }
        }
        return out;
    }

    @Test
    void highWatermark_advancesToTheSlowestIsrMember() {
        elect(1, List.of(1, 2, 3));
        Partition leader = replicas.get(1);
        leader.appendRecordsAsLeader(batch("a", "b", "c"), true, 2);
        assertEquals(0, leader.highWatermark());
        assertFalse(leader.checkEnoughReplicasReachOffset(3, 2));

        fetchOnce(2, 1); // gets a,b,c
        fetchOnce(3, 1); // gets a,b,c
        assertEquals(0, leader.highWatermark(), "followers have not yet reported having offsets 0..2");
        fetchOnce(2, 1); // reports LEO 3
        assertEquals(0, leader.highWatermark(), "follower 3 still reports LEO 0");
        fetchOnce(3, 1);
        assertEquals(3, leader.highWatermark());
        assertTrue(leader.checkEnoughReplicasReachOffset(3, 2));
        fetchOnce(2, 1);
        assertEquals(3, replicas.get(2).highWatermark(), "followers learn the high watermark from fetches");
    }

    @Test
    void consumersReadOnlyBelowTheHighWatermark() {
        elect(1, List.of(1, 2));
        Partition leader = replicas.get(1);
        leader.appendRecordsAsLeader(batch("a"), false, 1);
        assertEquals(0, leader.fetchRecords(new FetchRequestParams(FetchRequestParams.CONSUMER, 0, -1, -1, 1000))
            .records().size());
        fetchOnce(2, 1);
        fetchOnce(2, 1);
        assertTrue(leader.fetchRecords(new FetchRequestParams(FetchRequestParams.CONSUMER, 0, -1, -1, 1000))
            .records().size() > 0);
    }

    @Test
    void laggingFollowerLeavesTheIsr_thenAcksAllBelowMinIsrIsRefused_thenItRejoins() {
        elect(1, List.of(1, 2, 3));
        Partition leader = replicas.get(1);
        leader.appendRecordsAsLeader(batch("a"), true, 2);
        fetchOnce(2, 1);
        fetchOnce(3, 1);
        fetchOnce(3, 1); // 3 reports having "a"
        now.addAndGet(5_000);
        fetchOnce(2, 1); // 2 keeps up, 3 goes quiet
        leader.appendRecordsAsLeader(batch("b"), true, 2);
        fetchOnce(2, 1);
        fetchOnce(2, 1);
        assertEquals(1, leader.highWatermark(), "3 still in the ISR holds the high watermark");

        now.addAndGet(30_001);
        fetchOnce(2, 1);
        assertEquals(Set.of(3), leader.maybeShrinkIsr(30_000));
        assertEquals(List.of(1, 2), leader.state().isr());
        assertEquals(Set.of(1, 2), leader.maximalIsr());
        assertEquals(2, leader.highWatermark(), "without 3 the watermark moves on");
        assertThrows(NotEnoughReplicasException.class, () -> leader.appendRecordsAsLeader(batch("c"), true, 3));
        assertEquals(2, leader.logEndOffset(), "a refused append writes nothing");

        fetchOnce(3, 1); // catches up to 2 = HW: rejoins
        fetchOnce(3, 1);
        assertEquals(List.of(1, 2, 3), leader.state().isr());
        leader.appendRecordsAsLeader(batch("c"), true, 3);
    }

    @Test
    void staleAlterPartitionIsRejected_andTheLeaderKeepsItsIsr() {
        elect(1, List.of(1, 2, 3));
        Partition leader = replicas.get(1);
        // The controller moved on (e.g. another change was committed) without this leader hearing.
        controllerState = new PartitionState(1, controllerState.leaderEpoch(), controllerState.partitionEpoch() + 1,
            List.of(1, 2, 3), List.of(1, 2, 3));
        now.addAndGet(60_000);
        assertEquals(Set.of(2, 3), leader.maybeShrinkIsr(30_000));
        assertEquals(List.of(1, 2, 3), leader.state().isr(), "rejected: nothing changes locally");
        assertEquals(Set.of(1, 2, 3), leader.maximalIsr());
    }

    @Test
    void newLeaderTruncatesTheOldLeadersUnreplicatedTail() {
        elect(1, List.of(1, 2));
        Partition first = replicas.get(1);
        first.appendRecordsAsLeader(batch("a", "b"), true, 1);
        fetchOnce(2, 1);
        fetchOnce(2, 1);
        assertEquals(2, first.highWatermark());
        first.appendRecordsAsLeader(batch("lost1", "lost2"), false, 1); // never reaches 2

        elect(2, List.of(2)); // 1 is cut off; 2 takes over in epoch 1
        Partition second = replicas.get(2);
        second.appendRecordsAsLeader(batch("c"), true, 1);
        assertEquals(List.of("0:a", "1:b", "2:c"), values(second));

        fetchOnce(1, 2); // offset 4 in epoch 0: diverges, truncate to 2
        assertEquals(2, first.logEndOffset());
        fetchOnce(1, 2);
        assertEquals(values(second), values(first));
        fetchOnce(1, 2);
        assertEquals(3, first.highWatermark());
    }

    @Test
    void uncleanLeaderChange_theOldLeadersDivergentTailIsTruncatedToTheNewLeadersHistory() {
        elect(1, List.of(1, 2, 3));
        Partition first = replicas.get(1);
        first.appendRecordsAsLeader(batch("a", "b"), false, 1);
        fetchOnce(3, 1); // 3 copies a, b and then falls behind
        first.appendRecordsAsLeader(batch("c", "d", "e", "f"), false, 1);
        fetchOnce(2, 1);
        assertEquals(2, replicas.get(3).logEndOffset());
        assertEquals(6, first.logEndOffset());

        // 1 and 2 are lost; 3, outside what they had, is elected uncleanly and takes new writes.
        elect(3, List.of(3));
        Partition third = replicas.get(3);
        third.appendRecordsAsLeader(batch("x", "y"), false, 1);
        assertEquals(List.of("0:a", "1:b", "2:x", "3:y"), values(third));

        // The old leader returns as a follower: its c..f diverge from epoch 1's history at offset 2.
        fetchOnce(1, 3);
        assertEquals(2, first.logEndOffset(), "truncated to where epoch 0 ends on the new leader");
        fetchOnce(1, 3);
        assertEquals(values(third), values(first));
        fetchOnce(2, 3);
        fetchOnce(2, 3);
        assertEquals(values(third), values(replicas.get(2)));
    }

    private static ByteBuffer idempotent(long pid, short epoch, int sequence, String... values) {
        RecordBatchBuilder builder = new RecordBatchBuilder(CompressionType.NONE).producer(pid, epoch, sequence);
        for (String v : values) {
            builder.append(1000, null, v.getBytes());
        }
        return builder.build();
    }

    @Test
    void idempotentProducer_duplicatesGapsAndZombies_andTheStateSurvivesFailover() {
        elect(1, List.of(1, 2));
        Partition leader = replicas.get(1);
        ByteBuffer first = idempotent(7, (short) 0, 0, "a", "b");
        assertEquals(0, leader.appendRecordsAsLeader(first.duplicate(), true, 1).firstOffset());
        // The same batch again (a retry after a lost response): answered with its offsets, not written.
        assertEquals(0, leader.appendRecordsAsLeader(idempotent(7, (short) 0, 0, "a", "b"), true, 1).firstOffset());
        assertEquals(2, leader.logEndOffset());
        assertThrows(PartitionException.OutOfOrderSequenceException.class,
            () -> leader.appendRecordsAsLeader(idempotent(7, (short) 0, 5, "gap"), true, 1));
        assertEquals(2, leader.appendRecordsAsLeader(idempotent(7, (short) 0, 2, "c"), true, 1).firstOffset());
        assertEquals(3, leader.appendRecordsAsLeader(idempotent(7, (short) 1, 0, "new epoch"), true, 1).firstOffset());
        assertThrows(PartitionException.InvalidProducerEpochException.class,
            () -> leader.appendRecordsAsLeader(idempotent(7, (short) 0, 3, "zombie"), true, 1));

        fetchOnce(2, 1);
        fetchOnce(2, 1);
        elect(2, List.of(2)); // failover: the follower learned the producer state with the data
        Partition next = replicas.get(2);
        assertEquals(3, next.appendRecordsAsLeader(idempotent(7, (short) 1, 0, "new epoch"), true, 1).firstOffset(),
            "a retry landing on the new leader is still a duplicate");
        assertEquals(4, next.logEndOffset());
        assertEquals(4, next.appendRecordsAsLeader(idempotent(7, (short) 1, 1, "d"), true, 1).firstOffset());
    }

    @Test
    void syncFlush_concurrentIdempotentProducers_eachAckIsDurable_andARetryIsAnsweredWithItsOffsets() throws Exception {
        // flush.policy=sync: appends wait for their fsync outside the producer-state monitor (group commit).
        Log log = Log.open(tmp.resolve("sync").resolve(TP.dirName()),
            LogConfig.defaults().with(Map.of(LogConfig.FLUSH_POLICY, "sync")), clock, scheduler);
        logs.add(log);
        replicas.put(1, new Partition(TP, 1, log, 0, clock, this::alterPartition));
        elect(1, List.of(1));
        Partition leader = replicas.get(1);
        int producers = 6;
        int each = 25;
        AtomicLong notDurable = new AtomicLong();
        java.util.concurrent.ExecutorService threads = Executors.newFixedThreadPool(producers);
        try {
            List<java.util.concurrent.Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < producers; t++) {
                long pid = 100 + t;
                futures.add(threads.submit(() -> {
                    for (int seq = 0; seq < each; seq++) {
                        long first = leader.appendRecordsAsLeader(idempotent(pid, (short) 0, seq, "p" + pid + "-" + seq), false, 1)
                            .firstOffset();
                        if (log.recoveryPoint() <= first) {
                            notDurable.incrementAndGet();
                        }
                        if (seq % 10 == 0) {
                            long retried = leader.appendRecordsAsLeader(idempotent(pid, (short) 0, seq, "p" + pid + "-" + seq), false, 1)
                                .firstOffset();
                            assertEquals(first, retried, "a retry is answered with the first attempt's offset");
                        }
                    }
                    return null;
                }));
            }
            for (java.util.concurrent.Future<?> f : futures) {
                f.get(5, java.util.concurrent.TimeUnit.MINUTES);
            }
        } finally {
            threads.shutdownNow();
        }
        assertEquals(0, notDurable.get(), "an append was acknowledged before it was fsynced");
        assertEquals(producers * each, leader.logEndOffset());
        assertEquals(producers * each, log.recoveryPoint());
        assertEquals(producers * each, leader.highWatermark());
    }

    @Test
    void producerState_isRebuiltFromTheLogOnRestart() {
        elect(1, List.of(1));
        replicas.get(1).appendRecordsAsLeader(idempotent(9, (short) 0, 0, "x"), true, 1);
        Partition reopened = new Partition(TP, 1, logs.get(0), 0, clock, this::alterPartition);
        reopened.makeLeader(controllerState);
        assertEquals(0, reopened.appendRecordsAsLeader(idempotent(9, (short) 0, 0, "x"), true, 1).firstOffset());
        assertEquals(1, reopened.logEndOffset());
    }

    @Test
    void notLeader_fencedEpoch_andUnknownReplicaAreRefused() {
        elect(1, List.of(1, 2, 3));
        NotLeaderException e = assertThrows(NotLeaderException.class,
            () -> replicas.get(2).appendRecordsAsLeader(batch("x"), false, 1));
        assertEquals(1, e.leaderId());
        elect(1, List.of(1, 2, 3)); // epoch 1
        assertThrows(FencedLeaderEpochException.class, () -> replicas.get(1).fetchRecords(
            new FetchRequestParams(2, 0, 0, -1, 100)));
        assertThrows(NotReplicaException.class, () -> replicas.get(1).fetchRecords(
            new FetchRequestParams(9, 0, -1, -1, 100)));
        assertThrows(IllegalStateException.class, () -> replicas.get(1).appendRecordsAsFollower(batch("x"), 0));
    }

    @Test
    void staleStatesAreIgnored() {
        elect(1, List.of(1, 2, 3));
        elect(1, List.of(1, 2, 3));
        PartitionState current = replicas.get(1).state();
        PartitionState old = new PartitionState(2, 0, 0, List.of(1, 2, 3), List.of(1, 2, 3));
        assertFalse(replicas.get(1).makeFollower(old));
        assertEquals(current, replicas.get(1).state());
        assertTrue(replicas.get(1).isLeader());
        assertNotNull(replicas.get(2).state());
        assertNull(new Partition(TP, 4, logs.get(0), 0, clock, this::alterPartition).state());
    }

    // ---------------------------------------------------------------- which replicas count while an AlterPartition is pending

    /**
     * Leader 1 with ISR [1,2] and records a, b on both; 3 then catches up and 1 proposes adding
     * it, which the controller commits and answers as {@code how} says.
     */
    private Partition leaderThatProposedAdding3(Answer how) {
        elect(1, List.of(1, 2));
        Partition leader = replicas.get(1);
        leader.appendRecordsAsLeader(batch("a", "b"), true, 2);
        fetchOnce(2, 1);
        fetchOnce(2, 1);
        answer = how;
        fetchOnce(3, 1);
        fetchOnce(3, 1); // 3 has a, b: caught up and proposed
        return leader;
    }

    @Test
    void aPendingExpansionKeepsCounting_whenMetadataAppliesTheSameStateAgain() {
        // The fault run's loss: the controller commits [1,2,3], but before the answer arrives an
        // unrelated metadata change re-applies the old state.
        Partition leader = leaderThatProposedAdding3(Answer.HOLD);
        assertEquals(List.of(1, 2, 3), controllerState.isr());

        leader.makeLeader(new PartitionState(1, 0, 0, List.of(1, 2, 3), List.of(1, 2)));
        assertEquals(Set.of(1, 2, 3), leader.maximalIsr(), "re-applying an unchanged state drops no pending member");
        leader.appendRecordsAsLeader(batch("c", "d"), true, 2);
        fetchOnce(2, 1);
        fetchOnce(2, 1);
        assertEquals(2, leader.highWatermark(),
            "3 is in the committed ISR and may be elected: c, d are not committed before it has them");

        heldAnswers.forEach(f -> f.complete(new AlterPartitionResult.Accepted(controllerState)));
        assertEquals(List.of(1, 2, 3), leader.state().isr());
        fetchOnce(3, 1);
        fetchOnce(3, 1);
        assertEquals(4, leader.highWatermark());
    }

    @Test
    void anAnswerLostAfterTheCommit_keepsTheNewMemberCounting_untilMetadataSettlesIt() {
        Partition leader = leaderThatProposedAdding3(Answer.LOSE); // committed, but the leader only sees a timeout
        assertEquals(List.of(1, 2, 3), controllerState.isr());
        assertEquals(Set.of(1, 2, 3), leader.maximalIsr());

        leader.appendRecordsAsLeader(batch("c", "d"), true, 2);
        fetchOnce(2, 1);
        fetchOnce(2, 1);
        assertEquals(2, leader.highWatermark(), "a maybe-committed member holds the watermark");

        answer = Answer.DELIVER;
        int calls = alterPartitionCalls;
        leader.maybeShrinkIsr(30_000); // the periodic check sends the undecided proposal again
        assertEquals(calls + 1, alterPartitionCalls);
        assertEquals(Set.of(1, 2, 3), leader.maximalIsr(), "the controller's epoch moved: still undecided");
        assertEquals(2, leader.highWatermark());

        leader.makeLeader(controllerState); // metadata brings what was committed
        assertEquals(List.of(1, 2, 3), leader.state().isr());
        fetchOnce(3, 1);
        fetchOnce(3, 1);
        assertEquals(4, leader.highWatermark());
        leader.maybeShrinkIsr(30_000);
        assertEquals(calls + 1, alterPartitionCalls, "settled: nothing is sent again");
    }

    @Test
    void aRefusedExpansion_stopsCounting_andIsNotProposedAgainOnEveryFetch() {
        elect(1, List.of(1, 2));
        Partition leader = replicas.get(1);
        fenced.add(3);
        leader.appendRecordsAsLeader(batch("a", "b"), true, 2);
        fetchOnce(2, 1);
        fetchOnce(2, 1);
        fetchOnce(3, 1);
        fetchOnce(3, 1); // proposed; refused (3 is fenced): proven not committed
        assertEquals(1, alterPartitionCalls);
        assertEquals(Set.of(1, 2), leader.maximalIsr());
        leader.appendRecordsAsLeader(batch("c"), true, 2);
        fetchOnce(2, 1);
        fetchOnce(2, 1);
        assertEquals(3, leader.highWatermark(), "a refused member does not hold the watermark");

        for (int i = 0; i < 20; i++) {
            fetchOnce(3, 1);
        }
        assertEquals(1, alterPartitionCalls, "no proposal per fetch while the refusal is fresh");

        fenced.remove(3);
        now.addAndGet(Partition.EXPANSION_REFUSED_BACKOFF_MS);
        fetchOnce(3, 1);
        assertEquals(List.of(1, 2, 3), leader.state().isr());
    }

    @Test
    void aFollowerTheMetadataShowsFenced_isNotProposed() {
        Partition leader = new Partition(TP, 1, logs.get(0), 0, clock, new AlterPartitionSender() {
            @Override
            public CompletableFuture<AlterPartitionResult> send(TopicPartition tp, int leaderEpoch, int partitionEpoch,
                                                                List<Integer> newIsr) {
                return alterPartition(tp, leaderEpoch, partitionEpoch, newIsr);
            }

            @Override
            public boolean isIsrEligible(int brokerId) {
                return brokerId != 3;
            }
        });
        replicas.put(1, leader);
        elect(1, List.of(1, 2));
        leader.appendRecordsAsLeader(batch("a"), true, 1);
        for (int i = 0; i < 5; i++) {
            fetchOnce(3, 1);
        }
        assertEquals(0, alterPartitionCalls);
        assertEquals(List.of(1, 2), leader.state().isr());
    }
}
