package io.runnel.client.producer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.runnel.broker.node.SharedNode;
import io.runnel.broker.node.TestCluster;
import io.runnel.client.admin.RunnelAdmin;
import io.runnel.client.common.InertCall;
import io.runnel.client.common.TopicPartition;
import io.runnel.client.consumer.RunnelConsumer;
import io.runnel.client.producer.RunnelProducer.ProduceException;
import io.runnel.proto.v1.BrokerGrpc;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.PartitionProduceResponse;
import io.runnel.proto.v1.ProduceResponse;
import io.runnel.proto.v1.TopicProduceResponse;
import io.runnel.record.CompressionType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The producer against a real node, with produce calls failed or answers rewritten by an
 * interceptor where a test needs a fault: what a batch that fails for good leaves behind, and
 * which answers it retries.
 */
@ExtendWith(SharedNode.class)
class RunnelProducerTest {
    private static TestCluster cluster;
    private static String bootstrap;
    private static RunnelAdmin admin;

    @BeforeAll
    static void startNode(TestCluster shared) {
        cluster = shared;
        bootstrap = cluster.bootstrap();
        admin = new RunnelAdmin(bootstrap);
    }

    @AfterAll
    static void stopNode() {
        admin.close();
    }

    private static ProducerConfig shortTimeouts() {
        return ProducerConfig.defaults(bootstrap).withDeliveryTimeoutMs(1500).withRequestTimeoutMs(500);
    }

    /**
     * Issue 12: a numbered batch that expired left the partition's sequence advanced past it, so
     * every later batch was refused with OUT_OF_ORDER_SEQUENCE, for good.
     */
    @Test
    void send_afterANumberedBatchExpired_succeeds() {
        admin.createTopic("expired", 1, 1, Map.of());
        ProduceFault fault = new ProduceFault();
        try (RunnelProducer producer = new RunnelProducer(shortTimeouts(), fault)) {
            assertEquals(0, producer.send(new ProducerRecord("expired", null, "a".getBytes())).join().offset());
            fault.mode = Mode.FAIL_UNSENT;
            CompletableFuture<RecordMetadata> lost = producer.send(new ProducerRecord("expired", null, "b".getBytes()));
            CompletionException failure = assertThrows(CompletionException.class, lost::join);
            assertEquals(ErrorCode.REQUEST_TIMED_OUT, ((ProduceException) failure.getCause()).code());
            fault.mode = Mode.PASS;
            assertEquals(1, producer.send(new ProducerRecord("expired", null, "c".getBytes())).join().offset());
            assertEquals(2, producer.send(new ProducerRecord("expired", null, "d".getBytes())).join().offset());
        }
        assertEquals(List.of("a", "c", "d"), readAll("expired", 3));
    }

    /**
     * Batch buffers are reused once answered ({@link BufferPool}): thousands of small batches, each
     * record distinct, come back byte for byte and in order, so no buffer was handed to a new batch
     * while the bytes of an old one still had to be sent. Uncompressed batches are sent from the
     * buffer itself; compressed ones give it back when compressed.
     */
    @Test
    void manySmallBatches_inReusedBuffers_arriveIntact() {
        for (CompressionType codec : List.of(CompressionType.NONE, CompressionType.LZ4)) {
            String topic = "reused-" + codec.name().toLowerCase(Locale.ROOT);
            admin.createTopic(topic, 1, 1, Map.of());
            List<String> sent = new ArrayList<>();
            try (RunnelProducer producer = new RunnelProducer(ProducerConfig.defaults(bootstrap).withBatching(1024, 0)
                    .withCompression(codec))) {
                List<CompletableFuture<RecordMetadata>> acks = new ArrayList<>();
                for (int i = 0; i < 3000; i++) {
                    String value = i + ":" + Integer.toHexString(i * 7919).repeat(1 + i % 40);
                    sent.add(value);
                    acks.add(producer.send(new ProducerRecord(topic, null, value.getBytes())));
                }
                acks.forEach(CompletableFuture::join);
            }
            assertEquals(sent, readAll(topic, sent.size()));
        }
    }

    /** Every attempt is written but its answer lost: the batch fails as maybe written, once in the log. */
    @Test
    void send_whoseAnswersAreLost_failsAsPossiblyWritten_andIsWrittenOnce() {
        admin.createTopic("lost-answers", 1, 1, Map.of());
        ProduceFault fault = new ProduceFault();
        try (RunnelProducer producer = new RunnelProducer(shortTimeouts(), fault)) {
            producer.send(new ProducerRecord("lost-answers", null, "a".getBytes())).join();
            fault.mode = Mode.LOSE_ANSWERS;
            CompletableFuture<RecordMetadata> unknown = producer.send(new ProducerRecord("lost-answers", null, "b".getBytes()));
            ProduceException failure = (ProduceException) assertThrows(CompletionException.class, unknown::join).getCause();
            assertTrue(failure.possiblyWritten(), failure.getMessage());
            assertTrue(fault.attempts.get() > 1, "retried with the same numbers");
            fault.mode = Mode.PASS;
            assertEquals(2, producer.send(new ProducerRecord("lost-answers", null, "c".getBytes())).join().offset());
        }
        assertEquals(List.of("a", "b", "c"), readAll("lost-answers", 3));
    }

    /** NOT_ENOUGH_REPLICAS_AFTER_APPEND means written: the retry carries the same numbers and gets the original offset. */
    @Test
    void send_answeredNotEnoughReplicasAfterAppend_retriesAsTheSameBatch() {
        admin.createTopic("after-append", 1, 1, Map.of());
        ProduceFault fault = new ProduceFault();
        try (RunnelProducer producer = new RunnelProducer(shortTimeouts().withDeliveryTimeoutMs(10_000), fault)) {
            producer.send(new ProducerRecord("after-append", null, "a".getBytes())).join();
            fault.mode = Mode.ANSWER_AFTER_APPEND_ONCE;
            assertEquals(1, producer.send(new ProducerRecord("after-append", null, "b".getBytes())).join().offset());
            assertEquals(2, fault.attempts.get());
        }
        assertEquals(List.of("a", "b"), readAll("after-append", 2));
    }

    /**
     * Issue 12: a topic the answering broker did not know yet (just created, or a restarted broker
     * behind on metadata) failed every send at once; it is retriable until the delivery timeout.
     */
    @Test
    void send_toATopicCreatedAMomentLater_succeeds() {
        try (RunnelProducer producer = new RunnelProducer(ProducerConfig.defaults(bootstrap).withDeliveryTimeoutMs(30_000))) {
            CompletableFuture<RecordMetadata> early = producer.send(new ProducerRecord("later", null, "x".getBytes()));
            CompletableFuture<RecordMetadata> keyed = producer.send(new ProducerRecord("later", "k".getBytes(), "y".getBytes()));
            assertFalse(early.isDone(), "waits for the topic instead of failing");
            admin.createTopic("later", 1, 1, Map.of());
            assertEquals(0, early.join().offset());
            assertEquals(1, keyed.join().offset(), "in send order");
        }
    }

    @Test
    void send_toATopicThatNeverAppears_failsWithItsCodeAfterTheDeliveryTimeout() {
        try (RunnelProducer producer = new RunnelProducer(ProducerConfig.defaults(bootstrap).withDeliveryTimeoutMs(1000))) {
            long start = System.nanoTime();
            CompletableFuture<RecordMetadata> never = producer.send(new ProducerRecord("never", null, "x".getBytes()));
            ProduceException failure = (ProduceException) assertThrows(CompletionException.class, never::join).getCause();
            assertEquals(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, failure.code());
            assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(1000), "retried until the delivery timeout");
        }
    }

    /** The values of a partition, once at least {@code count} arrived (and anything that follows them at once). */
    private static List<String> readAll(String topic, int count) {
        List<String> values = new ArrayList<>();
        try (RunnelConsumer consumer = new RunnelConsumer(bootstrap, RunnelConsumer.OffsetReset.EARLIEST, 1 << 20)) {
            consumer.assign(List.of(new TopicPartition(topic, 0)));
            Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> {
                consumer.poll(Duration.ofMillis(100)).forEach(r -> values.add(new String(r.value())));
                return values.size() >= count;
            });
            consumer.poll(Duration.ofMillis(300)).forEach(r -> values.add(new String(r.value())));
        }
        return values;
    }

    private enum Mode {
        PASS,
        /** Each produce call fails before it is sent, as a refused connection does. */
        FAIL_UNSENT,
        /** Each produce call reaches the leader, but its answer is replaced by a transport failure. */
        LOSE_ANSWERS,
        /** The next produce answer says NOT_ENOUGH_REPLICAS_AFTER_APPEND instead of its real outcome. */
        ANSWER_AFTER_APPEND_ONCE
    }

    /** Faults on the producer's produce calls, per {@link Mode}; counts the calls made while one is set. */
    private static final class ProduceFault implements ClientInterceptor {
        volatile Mode mode = Mode.PASS;
        final AtomicInteger attempts = new AtomicInteger();

        @Override
        public <Q, A> ClientCall<Q, A> interceptCall(MethodDescriptor<Q, A> method, CallOptions options, Channel next) {
            Mode now = mode;
            if (!method.getFullMethodName().equals(BrokerGrpc.getProduceMethod().getFullMethodName()) || now == Mode.PASS) {
                return next.newCall(method, options);
            }
            int attempt = attempts.incrementAndGet();
            if (now == Mode.FAIL_UNSENT) {
                return new FailedCall<>();
            }
            return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
                @Override
                public void start(Listener<A> listener, Metadata headers) {
                    super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                        @Override
                        @SuppressWarnings("unchecked")
                        public void onMessage(A message) {
                            if (now == Mode.LOSE_ANSWERS) {
                                return;
                            }
                            super.onMessage(attempt == 1 ? (A) afterAppend((ProduceResponse) message) : message);
                        }

                        @Override
                        public void onClose(Status status, Metadata trailers) {
                            super.onClose(now == Mode.LOSE_ANSWERS ? Status.UNAVAILABLE.withDescription("answer lost") : status,
                                trailers);
                        }
                    }, headers);
                }
            };
        }

        private static ProduceResponse afterAppend(ProduceResponse real) {
            ProduceResponse.Builder out = ProduceResponse.newBuilder();
            for (TopicProduceResponse t : real.getTopicsList()) {
                TopicProduceResponse.Builder topic = TopicProduceResponse.newBuilder().setTopic(t.getTopic());
                for (PartitionProduceResponse p : t.getPartitionsList()) {
                    topic.addPartitions(PartitionProduceResponse.newBuilder().setPartition(p.getPartition())
                        .setError(ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND).setErrorMessage("injected"));
                }
                out.addTopics(topic);
            }
            return out.build();
        }
    }

    /** A call that fails as soon as it starts, before anything is sent. */
    private static final class FailedCall<Q, A> extends InertCall<Q, A> {
        @Override
        public void start(Listener<A> listener, Metadata headers) {
            listener.onClose(Status.UNAVAILABLE.withDescription("injected: connection refused"), new Metadata());
        }
    }
}
