package io.runnel.broker.replica;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.awaitility.Awaitility.await;

import io.runnel.broker.partition.FetchRequestParams;
import io.runnel.broker.partition.PartitionException;
import io.runnel.broker.partition.PartitionState;
import io.runnel.broker.partition.TopicPartition;
import io.runnel.record.CompressionType;
import io.runnel.record.RecordBatchBuilder;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13 item 2: a parked fetch re-reads only when one of its partitions moved. On a real replica
 * manager over a temp data dir, broker 1 leading a partition replicated to 1, 2 and 3, so that an
 * append moves the log end but not the high watermark until the followers fetch.
 */
class FetchPositionsTest {
    private static final TopicPartition TP = LeadingReplica.TP;

    @TempDir
    Path dataDir;
    private LeadingReplica leading;
    private ReplicaManager replicaManager;

    @BeforeEach
    void start() {
        leading = new LeadingReplica(dataDir, 1);
        replicaManager = leading.replicaManager;
    }

    @AfterEach
    void stop() {
        leading.close();
    }

    private void lead(int epoch) {
        leading.lead(epoch);
    }

    private void append() {
        RecordBatchBuilder builder = new RecordBatchBuilder(CompressionType.NONE);
        builder.append(1000, null, "v".getBytes());
        ByteBuffer batch = builder.build();
        assertNull(replicaManager.appendRecords(1, 1000, Map.of(TP, batch)).join().get(TP).error());
    }

    private long logEnd() {
        return replicaManager.partition(TP).orElseThrow().logEndOffset();
    }

    /** Both followers fetch at the leader's log end: the high watermark moves up to it. */
    private void followersCatchUp() {
        for (int follower : List.of(2, 3)) {
            replicaManager.fetch(0, 0, 1 << 20, Map.of(TP, new FetchRequestParams(follower, logEnd(), 1, 1, 1 << 20))).join();
        }
    }

    private FetchPositions positions(int replicaId, long fetchOffset) {
        FetchPositions positions = new FetchPositions(replicaManager.hosted(),
            Map.of(TP, new FetchRequestParams(replicaId, fetchOffset, 1, -1, 1 << 20)), replicaManager.logDirHealth());
        positions.take();
        return positions;
    }

    @Test
    void anAppendTheWatermarkDoesNotCover_movesAFollowersPositions_notAConsumers() {
        FetchPositions consumer = positions(FetchRequestParams.CONSUMER, 0);
        FetchPositions follower = positions(2, 0);
        assertFalse(consumer.moved());
        assertFalse(follower.moved());

        append();

        assertTrue(follower.moved(), "the log end moved: a follower has records to read");
        assertFalse(consumer.moved(), "the high watermark did not move: nothing new for a consumer");

        followersCatchUp();

        assertTrue(consumer.moved(), "the high watermark moved");
        consumer.take();
        assertFalse(consumer.moved(), "taken again: nothing new since");
    }

    @Test
    void aNewLeaderEpoch_aRemovedPartition_andAMovedLogStart_eachCountAsMoves() {
        append();
        followersCatchUp();
        FetchPositions epoch = positions(FetchRequestParams.CONSUMER, logEnd());
        lead(2);
        assertTrue(epoch.moved(), "new leader epoch");

        FetchPositions logStart = positions(FetchRequestParams.CONSUMER, logEnd());
        replicaManager.deleteRecords(TP, 1);
        assertTrue(logStart.moved(), "log start moved by DeleteRecords");

        FetchPositions removed = positions(FetchRequestParams.CONSUMER, logEnd());
        replicaManager.removePartition(TP, true);
        assertTrue(removed.moved(), "partition removed");
    }

    @Test
    void aParkedConsumerFetch_isAnsweredWhenTheWatermarkMoves_andWhenLeadershipMovesAway() {
        append();
        followersCatchUp();
        CompletableFuture<Map<TopicPartition, FetchPartitionResult>> waiting = replicaManager.fetch(30_000, 1, 1 << 20,
            Map.of(TP, new FetchRequestParams(FetchRequestParams.CONSUMER, logEnd(), 1, -1, 1 << 20)));
        append();
        assertFalse(waiting.isDone(), "an append below the watermark answers no consumer");
        followersCatchUp();
        await().atMost(Duration.ofSeconds(10)).until(waiting::isDone);
        assertTrue(waiting.join().get(TP).records().size() > 0);

        CompletableFuture<Map<TopicPartition, FetchPartitionResult>> parked = replicaManager.fetch(30_000, 1, 1 << 20,
            Map.of(TP, new FetchRequestParams(FetchRequestParams.CONSUMER, logEnd(), 1, -1, 1 << 20)));
        assertFalse(parked.isDone());
        replicaManager.applyPartitionStates(Map.of(TP, new PartitionState(2, 2, 2, List.of(1, 2, 3), List.of(1, 2, 3))),
            Map.of(TP, leading.config));
        await().atMost(Duration.ofSeconds(10)).until(parked::isDone);
        assertInstanceOf(PartitionException.class, parked.join().get(TP).error());
    }

    @Test
    void aParkedFetch_isAnsweredWhenTheDataDirectoryGoesOffline() {
        append();
        followersCatchUp();
        CompletableFuture<Map<TopicPartition, FetchPartitionResult>> parked = replicaManager.fetch(30_000, 1, 1 << 20,
            Map.of(TP, new FetchRequestParams(FetchRequestParams.CONSUMER, logEnd(), 1, -1, 1 << 20)));
        assertFalse(parked.isDone());

        replicaManager.logDirHealth().fail("injected by the test", new IOException("no space left on device"));

        await().atMost(Duration.ofSeconds(10)).until(parked::isDone);
        assertNotNull(parked.join().get(TP).error(), "answered with the storage error, not after its 30 s wait");
    }
}
