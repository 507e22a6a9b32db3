package io.runnel.client.producer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runnel.broker.node.TestCluster;
import io.runnel.client.common.Bootstrap;
import io.runnel.client.common.ClusterMetadata;
import io.runnel.client.common.TopicPartition;
import io.runnel.client.producer.RunnelProducer.ProduceException;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.record.RecordBatch;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The accumulator with real metadata from a node, and no sender: what {@link RecordAccumulator#drain}
 * hands out when, and how an attempt is settled. The tests play the sender's part.
 */
class RecordAccumulatorTest {
    @TempDir
    static Path tmp;
    private static TestCluster cluster;
    private Bootstrap bootstrap;
    private ClusterMetadata metadata;

    @BeforeAll
    static void startNode() throws Exception {
        cluster = TestCluster.start(tmp, 1, Map.of());
        cluster.createTopic("acc", 1, 1, Map.of());
    }

    @AfterAll
    static void stopNode() {
        cluster.close();
    }

    @BeforeEach
    void connect() {
        bootstrap = new Bootstrap(cluster.bootstrap());
        metadata = new ClusterMetadata(bootstrap);
        metadata.refresh();
    }

    @AfterEach
    void disconnect() {
        bootstrap.close();
    }

    /** Long linger, so a batch is due only when full, flushed or closing; one batch per partition in flight. */
    private static ProducerConfig lingering() {
        return ProducerConfig.defaults("unused:1").withBatching(16 * 1024, 60_000).withIdempotence(false).withMaxInFlight(1);
    }

    /** Idempotent, 5 in flight, and a batch per 1000-byte record (batch.size 1 KiB). */
    private static ProducerConfig pipelining() {
        return ProducerConfig.defaults("unused:1").withBatching(1024, 60_000);
    }

    /**
     * Sends {@code count} 1000-byte records, each in a batch of its own, numbered under producer 7
     * epoch 0 from sequence 1: a first batch (sequence 0) is sent and answered before.
     */
    private List<CompletableFuture<RecordMetadata>> addBatches(RecordAccumulator accumulator, int count) throws Exception {
        accumulator.producerIdGranted(7, (short) 0);
        add(accumulator, "acc", "first");
        accumulator.startFlush();
        List<Batch> first = drainAll(accumulator);
        accumulator.endFlush();
        assertEquals(0, header(first.get(0)).baseSequence());
        accumulator.completed(first.get(0), 0);
        List<CompletableFuture<RecordMetadata>> futures = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            futures.add(add(accumulator, "acc", i + "x".repeat(999)));
        }
        return futures;
    }

    private static RecordBatch header(Batch b) {
        return RecordBatch.of(b.built.duplicate(), 0);
    }

    private CompletableFuture<RecordMetadata> add(RecordAccumulator accumulator, String topic, String value) {
        ProducerRecord record = new ProducerRecord(topic, 0, null, null, value.getBytes(), List.of());
        CompletableFuture<RecordMetadata> future = new CompletableFuture<>();
        // The size the producer reserves for a record (RunnelProducer.send).
        accumulator.add(record, future, 64 + value.length(), metadata.topic(topic), System.currentTimeMillis() + 60_000);
        return future;
    }

    private static List<Batch> drainAll(RecordAccumulator accumulator) throws InterruptedException {
        List<Batch> out = new ArrayList<>();
        accumulator.drain().values().forEach(out::addAll);
        return out;
    }

    @Test
    void drain_holdsABatchForLingerMs_untilAFlushMakesItDue_andKeepsOneInFlightPerPartition() throws Exception {
        RecordAccumulator accumulator = new RecordAccumulator(lingering(), metadata);
        add(accumulator, "acc", "a");
        add(accumulator, "acc", "b");
        assertTrue(drainAll(accumulator).isEmpty(), "lingering");

        List<CompletableFuture<RecordMetadata>> pending = accumulator.startFlush();
        assertEquals(2, pending.size());
        Map<Integer, List<Batch>> ready = accumulator.drain();
        assertEquals(List.of(1), List.copyOf(ready.keySet()), "by leader: node 1");
        Batch batch = ready.get(1).get(0);
        assertEquals(new TopicPartition("acc", 0), batch.tp);
        assertEquals(2, RecordBatch.of(batch.built.duplicate(), 0).recordCount());
        add(accumulator, "acc", "c");
        assertTrue(drainAll(accumulator).isEmpty(), "the partition has a batch in flight");
        accumulator.endFlush();
    }

    @Test
    void completed_givesEachRecordItsOffset_andRetryLaterSendsTheSameBuiltBatchAgain() throws Exception {
        RecordAccumulator accumulator = new RecordAccumulator(lingering(), metadata);
        CompletableFuture<RecordMetadata> a = add(accumulator, "acc", "a");
        CompletableFuture<RecordMetadata> b = add(accumulator, "acc", "b");
        accumulator.startFlush();
        Batch first = drainAll(accumulator).get(0);

        accumulator.retryLater(first, false, 0, "NOT_LEADER_OR_FOLLOWER: test");
        Batch again = drainAll(accumulator).get(0);
        assertSame(first, again);
        assertSame(first.built, again.built, "a retry is the same bytes, so the same sequence numbers");

        accumulator.completed(again, 10);
        assertEquals(10, a.join().offset());
        assertEquals(11, b.join().offset());
    }

    @Test
    void giveUp_failsEveryRecordWithTheError_andSaysWhetherAnAttemptMayHaveBeenWritten() throws Exception {
        RecordAccumulator accumulator = new RecordAccumulator(lingering(), metadata);
        CompletableFuture<RecordMetadata> a = add(accumulator, "acc", "a");
        accumulator.startFlush();
        Batch batch = drainAll(accumulator).get(0);
        accumulator.retryLater(batch, true, 0, "REQUEST_TIMED_OUT: test");
        accumulator.giveUp(drainAll(accumulator).get(0), false, ErrorCode.CORRUPT_RECORD, "injected");

        ProduceException failure = (ProduceException) assertThrows(CompletionException.class, a::join).getCause();
        assertEquals(ErrorCode.CORRUPT_RECORD, failure.code());
        assertTrue(failure.possiblyWritten(), "an earlier attempt's answer was lost");
    }

    @Test
    void drain_numbersBatchesWithTheGrantedProducerId_onlyOnceOneIsGranted() throws Exception {
        RecordAccumulator accumulator = new RecordAccumulator(lingering().withIdempotence(true), metadata);
        add(accumulator, "acc", "a");
        accumulator.startFlush();
        assertTrue(accumulator.needsProducerId());
        assertTrue(drainAll(accumulator).isEmpty(), "waits for a producer id");

        accumulator.producerIdGranted(7, (short) 2);
        Batch batch = drainAll(accumulator).get(0);
        RecordBatch numbered = RecordBatch.of(batch.built.duplicate(), 0);
        assertEquals(7, numbered.producerId());
        assertEquals(2, numbered.producerEpoch());
        assertEquals(0, numbered.baseSequence());
    }

    @Test
    void add_toATopicNotInMetadataYet_waits_untilItAppears() throws Exception {
        RecordAccumulator accumulator = new RecordAccumulator(lingering(), metadata);
        CompletableFuture<RecordMetadata> early = add(accumulator, "acc-later", "x");
        accumulator.startFlush();
        assertTrue(drainAll(accumulator).isEmpty());
        assertFalse(early.isDone());

        cluster.createTopic("acc-later", 1, 1, Map.of());
        List<Batch> ready = new ArrayList<>();
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> {
            ready.addAll(drainAll(accumulator));
            return !ready.isEmpty();
        });
        assertEquals(new TopicPartition("acc-later", 0), ready.get(0).tp);
    }

    @Test
    void drain_failsABatchPastItsDeliveryTimeout_andReturnsNullOnceClosedAndEmpty() throws Exception {
        RecordAccumulator accumulator = new RecordAccumulator(lingering().withDeliveryTimeoutMs(1), metadata);
        CompletableFuture<RecordMetadata> late = add(accumulator, "acc", "a");
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> {
            drainAll(accumulator);
            return late.isDone();
        });
        ProduceException failure = (ProduceException) assertThrows(CompletionException.class, late::join).getCause();
        assertEquals(ErrorCode.REQUEST_TIMED_OUT, failure.code());

        accumulator.close();
        assertTrue(accumulator.isClosing());
        assertNull(accumulator.drain());
    }

    @Test
    void theBatchBehindOneInFlight_growsPastBatchSize_upToTheTopicsMaxMessageBytes() throws Exception {
        cluster.createTopic("acc-limit", 1, 1, Map.of("max.message.bytes", "40000"));
        metadata.refresh();
        assertEquals(40_000, metadata.topic("acc-limit").getMaxMessageBytes(), "the topic's own setting");
        assertEquals(1_048_588, metadata.topic("acc").getMaxMessageBytes(), "the default");
        String kilobyte = "x".repeat(1000);

        RecordAccumulator idle = new RecordAccumulator(lingering(), metadata); // batch.size 16 KiB
        for (int i = 0; i < 40; i++) {
            add(idle, "acc-limit", kilobyte);
        }
        Batch first = drainAll(idle).get(0);
        assertTrue(RecordBatch.of(first.built.duplicate(), 0).recordCount() <= 16, "nothing in flight: batch.size holds");

        RecordAccumulator busy = new RecordAccumulator(lingering(), metadata);
        add(busy, "acc-limit", kilobyte);
        busy.startFlush();
        Batch inFlight = drainAll(busy).get(0);
        busy.endFlush();
        for (int i = 0; i < 60; i++) {
            add(busy, "acc-limit", kilobyte);
        }
        assertTrue(drainAll(busy).isEmpty(), "one batch in flight per partition");
        busy.completed(inFlight, 0);
        Batch grown = drainAll(busy).get(0);
        RecordBatch batch = RecordBatch.of(grown.built.duplicate(), 0);
        assertTrue(batch.recordCount() > 30, "grew past batch.size while the first was in flight: " + batch.recordCount());
        assertTrue(grown.built.remaining() <= 40_000, "within max.message.bytes: " + grown.built.remaining());
    }

    @Test
    void theFirstBatchOfAnEpoch_goesAlone_untilItIsAnswered() throws Exception {
        RecordAccumulator accumulator = new RecordAccumulator(pipelining(), metadata);
        accumulator.producerIdGranted(7, (short) 0);
        for (int i = 0; i < 4; i++) {
            add(accumulator, "acc", i + "x".repeat(999));
        }
        List<Batch> first = drainAll(accumulator);
        assertEquals(1, first.size(), "a leader appends a new producer's first batch whatever its sequence");
        assertEquals(0, header(first.get(0)).baseSequence());
        accumulator.completed(first.get(0), 0);
        assertEquals(3, drainAll(accumulator).size(), "then the others together");
    }

    @Test
    void drain_sendsUpToMaxInFlightBatchesOfAPartition_inSequenceOrder() throws Exception {
        RecordAccumulator accumulator = new RecordAccumulator(pipelining(), metadata);
        List<CompletableFuture<RecordMetadata>> futures = addBatches(accumulator, 7);
        List<Batch> first = drainAll(accumulator);
        assertEquals(5, first.size(), "max.in.flight");
        for (int i = 0; i < 5; i++) {
            assertEquals(i + 1, header(first.get(i)).baseSequence(), "in sequence order");
        }
        assertTrue(drainAll(accumulator).isEmpty(), "5 in flight");
        accumulator.completed(first.get(0), 100);
        List<Batch> next = drainAll(accumulator);
        assertEquals(1, next.size(), "one answered, one more goes");
        assertEquals(6, header(next.get(0)).baseSequence());
        assertEquals(100, futures.get(0).join().offset());
    }

    @Test
    void aRetriableFailureOfTheFirst_resendsAllFiveInOrder_onceTheOthersAreAnswered() throws Exception {
        RecordAccumulator accumulator = new RecordAccumulator(pipelining(), metadata);
        List<CompletableFuture<RecordMetadata>> futures = addBatches(accumulator, 7);
        List<Batch> sent = drainAll(accumulator);
        accumulator.retryLater(sent.get(0), true, 0, "REQUEST_TIMED_OUT: test");
        assertTrue(drainAll(accumulator).isEmpty(), "settling: 4 still in flight");
        for (Batch b : sent.subList(1, 4)) {
            assertTrue(accumulator.mayFollowAGap(b), "sent behind an unanswered batch");
            accumulator.retryAfterGap(b, "OUT_OF_ORDER_SEQUENCE: test");
            assertTrue(drainAll(accumulator).isEmpty(), "settling: some still in flight");
        }
        accumulator.completed(sent.get(4), 40); // overtook them: answered before the others' resends
        List<Batch> resent = drainAll(accumulator);
        assertEquals(sent.subList(0, 4), resent, "the unanswered ones again, oldest first, and no new one joins them");
        for (int i = 0; i < 4; i++) {
            assertSame(sent.get(i).built, resent.get(i).built, "the same bytes: the same numbers");
            assertEquals(i + 1, header(resent.get(i)).baseSequence());
        }
        accumulator.completed(resent.get(0), 0);
        assertTrue(drainAll(accumulator).isEmpty(), "a new batch waits until every resent one is answered");
        for (int i = 1; i < 4; i++) {
            accumulator.completed(resent.get(i), i);
        }
        assertEquals(6, header(drainAll(accumulator).get(0)).baseSequence(), "then the next in order");
        for (int i = 0; i < 5; i++) {
            assertEquals(i == 4 ? 40 : i, futures.get(i).join().offset());
        }
    }

    @Test
    void aFailureForGoodOfTheFirst_renumbersTheUnwrittenOthersInANewEpoch_andFailsTheMaybeWrittenOne() throws Exception {
        RecordAccumulator accumulator = new RecordAccumulator(pipelining(), metadata);
        List<CompletableFuture<RecordMetadata>> futures = addBatches(accumulator, 6);
        List<Batch> sent = drainAll(accumulator);
        accumulator.giveUp(sent.get(0), false, ErrorCode.CORRUPT_RECORD, "injected");
        accumulator.retryAfterGap(sent.get(1), "OUT_OF_ORDER_SEQUENCE: test");
        accumulator.retryLater(sent.get(2), true, 0, "REQUEST_TIMED_OUT: test");
        assertTrue(accumulator.mayFollowAGap(sent.get(3)), "numbered in the old epoch");
        accumulator.retryAfterGap(sent.get(3), "OUT_OF_ORDER_SEQUENCE: test");
        accumulator.retryAfterGap(sent.get(4), "OUT_OF_ORDER_SEQUENCE: test");

        List<Batch> resent = drainAll(accumulator);
        assertEquals(List.of(sent.get(1)), resent, "the new epoch's first batch goes alone");
        accumulator.completed(resent.get(0), 0);
        resent = new ArrayList<>(resent);
        resent.addAll(drainAll(accumulator));
        assertEquals(List.of(sent.get(1), sent.get(3), sent.get(4)), resent, "the unwritten ones; the new one waits for them");
        int sequence = 0;
        for (Batch b : resent) {
            RecordBatch h = header(b);
            h.validate(); // renumbered in place: the CRC was recomputed
            assertEquals(1, h.producerEpoch(), "the new epoch");
            assertEquals(sequence++, h.baseSequence(), "from 0, in queue order");
        }
        resent.subList(1, 3).forEach(b -> accumulator.completed(b, 0));
        RecordBatch next = header(drainAll(accumulator).get(0));
        assertEquals(1, next.producerEpoch());
        assertEquals(3, next.baseSequence(), "a new batch goes on from the renumbered ones");
        ProduceException corrupt = (ProduceException) assertThrows(CompletionException.class, futures.get(0)::join).getCause();
        assertEquals(ErrorCode.CORRUPT_RECORD, corrupt.code());
        ProduceException unknown = (ProduceException) assertThrows(CompletionException.class, futures.get(2)::join).getCause();
        assertTrue(unknown.possiblyWritten(), "its outcome in the old epoch is unknown: " + unknown.getMessage());
    }
}
