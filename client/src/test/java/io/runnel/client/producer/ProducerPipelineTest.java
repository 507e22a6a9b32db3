package io.runnel.client.producer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.runnel.broker.node.SharedNode;
import io.runnel.broker.node.TestCluster;
import io.runnel.client.admin.RunnelAdmin;
import io.runnel.client.common.TopicPartition;
import io.runnel.client.consumer.ConsumerRecord;
import io.runnel.client.consumer.RunnelConsumer;
import io.runnel.client.producer.AnswerGate.Fault;
import io.runnel.client.producer.RunnelProducer.ProduceException;
import io.runnel.proto.v1.ErrorCode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The idempotent producer with 5 batches of a partition in flight (issue 13 item 4), against real
 * brokers: an {@link AnswerGate} holds the answers until 5 produce calls are out, then fails the
 * first one (or the test stops the leader), and every record must be in the log once, in send
 * order, each future saying its offset.
 */
@ExtendWith(SharedNode.class)
class ProducerPipelineTest {
    private static final int RECORDS = 12;
    private static TestCluster node;

    @BeforeAll
    static void startNode(TestCluster shared) {
        node = shared;
    }

    /** Idempotent, 5 in flight, one ~1 KiB record per batch, no linger. */
    private static ProducerConfig config(String bootstrap) {
        return ProducerConfig.defaults(bootstrap).withBatching(1024, 0).withRequestTimeoutMs(3000).withDeliveryTimeoutMs(60_000);
    }

    private static String value(int i) {
        return i + ":" + "v".repeat(1000);
    }

    /**
     * Sends "w" (the producer gets its id and the leader), arms the gate, sends {@code RECORDS}
     * records, waits until 5 produce calls are held, runs {@code meanwhile}, and releases them.
     */
    private static List<CompletableFuture<RecordMetadata>> sendThroughGate(RunnelProducer producer, AnswerGate gate, String topic,
                                                                          Runnable meanwhile) {
        producer.send(new ProducerRecord(topic, null, value(-1).getBytes())).join();
        gate.arm();
        List<CompletableFuture<RecordMetadata>> futures = new ArrayList<>();
        for (int i = 0; i < RECORDS; i++) {
            futures.add(producer.send(new ProducerRecord(topic, null, value(i).getBytes())));
        }
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> gate.held() >= 5);
        meanwhile.run();
        assertEquals(5, gate.held(), "nothing answered: exactly max.in.flight batches went out");
        gate.release();
        return futures;
    }

    private static void assertWrittenOnceInOrder(String bootstrap, String topic, List<CompletableFuture<RecordMetadata>> futures,
                                                 List<Integer> expected) {
        List<String> want = new ArrayList<>(List.of(value(-1)));
        expected.forEach(i -> want.add(value(i)));
        List<String> log = readAll(bootstrap, topic, want.size());
        assertEquals(want, log, "every record once, in send order");
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(i + 1, futures.get(expected.get(i)).join().offset(), "record " + expected.get(i) + "'s offset");
        }
    }

    /** Sends through a gate with {@code fault} on the first of 5 in flight; the futures, all settled. */
    private static List<CompletableFuture<RecordMetadata>> sendWithFault(String topic, Fault fault) {
        node.createTopic(topic, 1, 1, Map.of());
        AnswerGate gate = new AnswerGate(fault);
        try (RunnelProducer producer = new RunnelProducer(config(node.bootstrap()), gate)) {
            List<CompletableFuture<RecordMetadata>> futures = sendThroughGate(producer, gate, topic, () -> { });
            CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).exceptionally(e -> null).join();
            return futures;
        }
    }

    /** A retriable failure of the first of 5 in flight: the leader refuses the other 4 as gaps; all are resent in order. */
    @Test
    void theFirstOfFiveInFlightNeverArrives_allAreResentInOrder_once() {
        List<CompletableFuture<RecordMetadata>> futures = sendWithFault("pipe-unsent", Fault.NOT_SENT);
        assertWrittenOnceInOrder(node.bootstrap(), "pipe-unsent", futures, range(0, RECORDS));
    }

    /** The first of 5 is written but its answer lost: its resend is answered as a duplicate, with its original offset. */
    @Test
    void theFirstOfFiveInFlightLosesItsAnswer_itsResendGetsItsOriginalOffset() {
        List<CompletableFuture<RecordMetadata>> futures = sendWithFault("pipe-lost", Fault.ANSWER_LOST);
        assertWrittenOnceInOrder(node.bootstrap(), "pipe-lost", futures, range(0, RECORDS));
    }

    /**
     * A failure for good of the first of 5: its record fails; the other 4, refused as gaps, are
     * renumbered in a new epoch and written once, in order, with everything after them.
     */
    @Test
    void theFirstOfFiveInFlightFailsForGood_theOthersAreWrittenOnceInOrder() {
        List<CompletableFuture<RecordMetadata>> futures = sendWithFault("pipe-refused", Fault.REFUSED);
        ProduceException refused = (ProduceException) assertThrows(CompletionException.class, futures.get(0)::join).getCause();
        assertEquals(ErrorCode.CORRUPT_RECORD, refused.code());
        assertWrittenOnceInOrder(node.bootstrap(), "pipe-refused", futures, range(1, RECORDS));
    }

    /** The partition leader's node stops while 5 batches are in flight to it (answers held): nothing lost, doubled or reordered. */
    @Test
    void theLeaderStopsWithFiveBatchesInFlight_everyRecordOnceInOrder(@TempDir Path dir) throws Exception {
        try (TestCluster cluster = TestCluster.start(dir, 3, Map.of());
             RunnelAdmin admin = new RunnelAdmin(cluster.bootstrap())) {
            cluster.awaitLiveBrokers(3);
            String topic = "pipe-failover";
            cluster.createTopic(topic, 1, 3, Map.of("min.insync.replicas", "2"));
            Awaitility.await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() ->
                admin.describeTopic(topic).getPartitions(0).getIsrCount() == 3);
            int leader = admin.describeTopic(topic).getPartitions(0).getLeaderId();
            AnswerGate gate = new AnswerGate(Fault.NONE);
            List<CompletableFuture<RecordMetadata>> futures;
            try (RunnelProducer producer = new RunnelProducer(config(cluster.bootstrap()), gate)) {
                futures = sendThroughGate(producer, gate, topic, () -> cluster.halt(leader));
                futures.forEach(CompletableFuture::join);
            }
            assertWrittenOnceInOrder(cluster.bootstrap(), topic, futures, range(0, RECORDS));
        }
    }

    private static List<Integer> range(int from, int to) {
        List<Integer> out = new ArrayList<>();
        for (int i = from; i < to; i++) {
            out.add(i);
        }
        return out;
    }

    private static List<String> readAll(String bootstrap, String topic, int count) {
        List<String> values = new ArrayList<>();
        try (RunnelConsumer consumer = new RunnelConsumer(bootstrap, RunnelConsumer.OffsetReset.EARLIEST, 1 << 20)) {
            consumer.assign(List.of(new TopicPartition(topic, 0)));
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> {
                for (ConsumerRecord r : consumer.poll(Duration.ofMillis(100))) {
                    values.add(new String(r.value()));
                }
                return values.size() >= count;
            });
            consumer.poll(Duration.ofMillis(300)).forEach(r -> values.add(new String(r.value())));
        }
        return values;
    }
}
