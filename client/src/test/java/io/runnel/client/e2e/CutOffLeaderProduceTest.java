package io.runnel.client.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.Deadline;
import io.grpc.ForwardingClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.runnel.broker.node.TestCluster;
import io.runnel.client.admin.RunnelAdmin;
import io.runnel.client.common.TopicPartition;
import io.runnel.client.consumer.ConsumerRecord;
import io.runnel.client.consumer.RunnelConsumer;
import io.runnel.client.producer.ProducerConfig;
import io.runnel.client.producer.ProducerRecord;
import io.runnel.client.producer.RecordMetadata;
import io.runnel.client.producer.RunnelProducer;
import io.runnel.proto.v1.BrokerGrpc;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A partition leader the producer cannot hear from any more (an isolated host: its answers never
 * arrive, the connection neither answers nor fails) loses its leadership while a produce request
 * to it is out. The producer must learn of the new leader from the other brokers and send the batch
 * there before the request's own deadline ends it, and the batch, which the old leader may have
 * written, must be in the log once.
 */
class CutOffLeaderProduceTest {
    /** Long, so that waiting it out and abandoning the request early are told apart by how the call ended. */
    private static final long REQUEST_TIMEOUT_MS = 8_000;

    @TempDir
    Path tmp;
    private TestCluster cluster;
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void tearDown() {
        timers.shutdownNow();
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void aRequestToACutOffLeaderIsAbandonedForTheNewLeader_beforeItsDeadline_andWrittenOnce() throws Exception {
        cluster = TestCluster.start(tmp, 3, Map.of());
        String bootstrap = cluster.bootstrap();
        CutOff cutOff = new CutOff();
        try (RunnelAdmin admin = new RunnelAdmin(bootstrap)) {
            admin.createTopic("t", 1, 3, Map.of("min.insync.replicas", "2"));
            Awaitility.await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() ->
                admin.describeTopic("t").getPartitions(0).getIsrCount() == 3);
            int leader = admin.describeTopic("t").getPartitions(0).getLeaderId();

            List<CompletableFuture<RecordMetadata>> sent = new ArrayList<>();
            try (RunnelProducer producer = new RunnelProducer(ProducerConfig.defaults(bootstrap)
                    .withRequestTimeoutMs(REQUEST_TIMEOUT_MS).withDeliveryTimeoutMs(60_000), cutOff)) {
                sent.add(producer.send(new ProducerRecord("t", null, "r0".getBytes())));
                sent.get(0).join();

                cutOff.authority = "127.0.0.1:" + cluster.clientPort(leader);
                sent.add(producer.send(new ProducerRecord("t", null, "r1".getBytes())));
                Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> cutOff.started.get());
                cluster.halt(leader); // the controller moves its leadership; the producer hears nothing of it

                sent.get(1).join();
                sent.add(producer.send(new ProducerRecord("t", null, "r2".getBytes())));
                sent.get(2).join();
            }
            assertEquals(List.of(Status.Code.CANCELLED), cutOff.ends,
                "the request to the cut-off leader was abandoned by the producer, not ended by its deadline");

            List<String> values = new ArrayList<>();
            int reader = cluster.runningIds().iterator().next();
            try (RunnelConsumer consumer = new RunnelConsumer("127.0.0.1:" + cluster.clientPort(reader),
                    RunnelConsumer.OffsetReset.EARLIEST, 1 << 20)) {
                consumer.assign(List.of(new TopicPartition("t", 0)));
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
                    for (ConsumerRecord r : consumer.poll(Duration.ofMillis(200))) {
                        values.add(new String(r.value()));
                    }
                    return values.size() >= 3;
                });
                consumer.poll(Duration.ofMillis(500)).forEach(r -> values.add(new String(r.value())));
            }
            assertEquals(List.of("r0", "r1", "r2"), values, "every record once, in order");
        }
    }

    /**
     * Produce calls to the broker at {@link #authority} go out, but nothing of the broker's comes
     * back (no answer, no failure): the call ends only when the producer cancels it or its deadline
     * passes, as with a host whose packets are dropped. How each such call ended is in {@link #ends}.
     */
    private final class CutOff implements ClientInterceptor {
        volatile String authority;
        final AtomicBoolean started = new AtomicBoolean();
        final List<Status.Code> ends = new CopyOnWriteArrayList<>();

        @Override
        public <Q, A> ClientCall<Q, A> interceptCall(MethodDescriptor<Q, A> method, CallOptions options, Channel next) {
            if (!method.getFullMethodName().equals(BrokerGrpc.getProduceMethod().getFullMethodName())
                || !next.authority().equals(authority)) {
                return next.newCall(method, options);
            }
            return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
                private final AtomicBoolean ended = new AtomicBoolean();
                private volatile Listener<A> app;

                @Override
                public void start(Listener<A> listener, Metadata headers) {
                    app = listener;
                    super.start(new Listener<>() { }, headers); // whatever the broker answers is lost
                    started.set(true);
                    Deadline deadline = options.getDeadline();
                    if (deadline != null) {
                        timers.schedule(() -> end(Status.DEADLINE_EXCEEDED), deadline.timeRemaining(TimeUnit.MILLISECONDS),
                            TimeUnit.MILLISECONDS);
                    }
                }

                @Override
                public void cancel(String message, Throwable cause) {
                    super.cancel(message, cause);
                    end(Status.CANCELLED.withDescription(message));
                }

                private void end(Status status) {
                    if (ended.compareAndSet(false, true)) {
                        ends.add(status.getCode());
                        timers.execute(() -> app.onClose(status, new Metadata()));
                    }
                }
            };
        }
    }
}
