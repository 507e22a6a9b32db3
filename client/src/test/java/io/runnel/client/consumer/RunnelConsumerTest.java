package io.runnel.client.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.runnel.client.common.InertCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.runnel.broker.node.TestCluster;
import io.runnel.client.admin.RunnelAdmin;
import io.runnel.client.common.TopicPartition;
import io.runnel.client.producer.ProducerConfig;
import io.runnel.client.producer.ProducerRecord;
import io.runnel.client.producer.RunnelProducer;
import io.runnel.proto.v1.BrokerGrpc;
import io.runnel.proto.v1.FetchResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The consumer's fetch pipeline against a real node: repositioning while fetched records wait in its queue. */
class RunnelConsumerTest {
    @TempDir
    static Path tmp;
    private static TestCluster cluster;
    private static String bootstrap;

    @BeforeAll
    static void startNode() throws Exception {
        cluster = TestCluster.start(tmp, 1, Map.of());
        bootstrap = cluster.bootstrap();
    }

    @AfterAll
    static void stopNode() {
        cluster.close();
    }

    /**
     * Issue 12: a rebalance (or any seek) republishes the fetch targets while chunks of the old
     * fetch still wait in the queue. The old chunk [0,1) then moved the position to 1 while the
     * re-targeted fetcher read [0,3) and went on from 3, so no later chunk started at the position
     * and the partition returned nothing again. The fetcher is held (by failing one fetch) exactly
     * while the log grows and the consumer seeks, which makes the old interleaving deterministic.
     */
    @Test
    void poll_afterASeekWhileOldChunksAreQueued_keepsReading() throws Exception {
        String topic = "reposition";
        try (RunnelAdmin admin = new RunnelAdmin(bootstrap)) {
            admin.createTopic(topic, 1, 1, Map.of());
        }
        TopicPartition tp = new TopicPartition(topic, 0);
        FetchGate gate = new FetchGate();
        try (RunnelProducer producer = new RunnelProducer(ProducerConfig.defaults(bootstrap));
             RunnelConsumer consumer = new RunnelConsumer(bootstrap, RunnelConsumer.OffsetReset.EARLIEST, 1 << 20, null, gate)) {
            producer.send(new ProducerRecord(topic, null, "r0".getBytes())).join();
            consumer.assign(List.of(tp));
            consumer.seek(tp, 0);
            assertTrue(gate.held.await(20, TimeUnit.SECONDS), "the fetcher queued [0,1) and is held");
            producer.send(new ProducerRecord(topic, null, "r1".getBytes())).join();
            producer.send(new ProducerRecord(topic, null, "r2".getBytes())).join();
            consumer.seek(tp, 0); // what remove() does after a rebalance: publish targets from the positions
            gate.release.countDown();

            List<String> values = new ArrayList<>();
            Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> {
                consumer.poll(Duration.ofMillis(100)).forEach(r -> values.add(new String(r.value())));
                return values.size() >= 3;
            });
            assertEquals(List.of("r0", "r1", "r2"), values);
            assertEquals(3, consumer.position(tp));
        } finally {
            gate.release.countDown();
        }
    }

    /** Issue 12: a list-offsets call failing as a restarting broker's does threw out of position() at once. */
    @Test
    void position_retriesListOffsetsThroughRetriableFailures() {
        String topic = "reset-retry";
        try (RunnelAdmin admin = new RunnelAdmin(bootstrap)) {
            admin.createTopic(topic, 1, 1, Map.of());
        }
        TopicPartition tp = new TopicPartition(topic, 0);
        FailFirstListOffsets fault = new FailFirstListOffsets(3);
        try (RunnelConsumer consumer = new RunnelConsumer(bootstrap, RunnelConsumer.OffsetReset.EARLIEST, 1 << 20, null, fault)) {
            consumer.assign(List.of(tp));
            assertEquals(0, consumer.position(tp));
            assertEquals(0, fault.left.get(), "every injected failure was retried");
        }
    }

    /** Fails the first {@code n} list-offsets calls with UNAVAILABLE, before they are sent. */
    private static final class FailFirstListOffsets implements ClientInterceptor {
        final AtomicInteger left;

        FailFirstListOffsets(int n) {
            left = new AtomicInteger(n);
        }

        @Override
        public <Q, A> ClientCall<Q, A> interceptCall(MethodDescriptor<Q, A> method, CallOptions options, Channel next) {
            if (method.getFullMethodName().equals(BrokerGrpc.getListOffsetsMethod().getFullMethodName())
                && left.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                return new InertCall<>() {
                    @Override
                    public void start(Listener<A> listener, Metadata headers) {
                        listener.onClose(Status.UNAVAILABLE.withDescription("injected: broker restarting"), new Metadata());
                    }
                };
            }
            return next.newCall(method, options);
        }
    }

    /**
     * Lets fetches through until one brings records, then holds the next fetch until released and
     * fails it as an unreachable broker would; later fetches pass again.
     */
    private static final class FetchGate implements ClientInterceptor {
        final CountDownLatch held = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        private final AtomicBoolean holdNext = new AtomicBoolean();
        private final AtomicBoolean used = new AtomicBoolean();

        @Override
        public <Q, A> ClientCall<Q, A> interceptCall(MethodDescriptor<Q, A> method, CallOptions options, Channel next) {
            String name = method.getFullMethodName();
            boolean stream = name.equals(BrokerGrpc.getFetchStreamMethod().getFullMethodName());
            if (!stream && !name.equals(BrokerGrpc.getFetchMethod().getFullMethodName())) {
                return next.newCall(method, options);
            }
            if (!stream && holdNext.compareAndSet(true, false)) {
                return new HeldCall<>();
            }
            return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
                @Override
                public void start(Listener<A> listener, Metadata headers) {
                    super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                        @Override
                        public void onMessage(A message) {
                            if (message instanceof FetchResponse r && !used.get() && r.getTopicsList().stream()
                                .anyMatch(t -> t.getPartitionsList().stream().anyMatch(p -> !p.getRecordBatches().isEmpty()))) {
                                used.set(true);
                                holdNext.set(true);
                            }
                            super.onMessage(message);
                        }
                    }, headers);
                }

                /** On a FetchStream the fetch after the first records is held, then failed (its stream cancelled). */
                @Override
                public void sendMessage(Q message) {
                    if (stream && holdNext.compareAndSet(true, false)) {
                        hold();
                        cancel("held by the test", null);
                        return;
                    }
                    super.sendMessage(message);
                }
            };
        }

        private void hold() {
            held.countDown();
            try {
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private final class HeldCall<Q, A> extends InertCall<Q, A> {
            @Override
            public void start(Listener<A> listener, Metadata headers) {
                hold();
                listener.onClose(Status.UNAVAILABLE.withDescription("held by the test"), new Metadata());
            }
        }
    }
}
