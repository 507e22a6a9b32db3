package io.runnel.client.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runnel.broker.config.NodeConfig;
import io.runnel.broker.node.RunnelNode;
import io.runnel.client.admin.RunnelAdmin;
import io.runnel.client.cli.RunnelCli;
import io.runnel.client.common.TopicPartition;
import io.runnel.client.consumer.ConsumerRecord;
import io.runnel.client.consumer.RunnelConsumer;
import io.runnel.client.producer.Partitioner;
import io.runnel.client.producer.ProducerConfig;
import io.runnel.client.producer.ProducerRecord;
import io.runnel.client.producer.RecordMetadata;
import io.runnel.client.producer.RunnelProducer;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.record.CompressionType;
import io.runnel.record.Header;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The client against a real single-node cluster (1-voter Raft, broker, gRPC on loopback) in this JVM. */
class ClientEndToEndTest {
    @TempDir
    static Path tmp;
    private static RunnelNode node;
    private static String bootstrap;
    private static RunnelAdmin admin;

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @BeforeAll
    static void startNode() throws Exception {
        int client = freePort();
        int controller;
        while (true) {
            try (ServerSocket a = new ServerSocket(0); ServerSocket b = new ServerSocket(a.getLocalPort() + 1)) {
                controller = a.getLocalPort();
                break;
            } catch (IOException taken) {
                // try another pair
            }
        }
        Properties p = new Properties();
        p.setProperty("node.id", "1");
        p.setProperty("listener", "127.0.0.1:" + client);
        p.setProperty("controller.listener", "127.0.0.1:" + controller);
        p.setProperty("internal.listener", "127.0.0.1:0");
        p.setProperty("advertised.host", "127.0.0.1");
        p.setProperty("data.dir", tmp.resolve("node").toString());
        node = new RunnelNode(NodeConfig.load(p, Map.of(), "test")).start();
        bootstrap = "127.0.0.1:" + client;
        admin = new RunnelAdmin(bootstrap);
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
            try {
                return admin.describeCluster().getImage().getBrokersList().stream().anyMatch(b -> !b.getFenced());
            } catch (RuntimeException e) {
                return false;
            }
        });
    }

    @AfterAll
    static void stopNode() {
        admin.close();
        node.halt();
    }

    private static void createTopic(String name, int partitions) {
        admin.createTopic(name, partitions, 1, Map.of());
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() ->
            admin.describeTopic(name).getPartitionsList().stream().allMatch(p -> p.getLeaderId() == 1));
    }

    private static List<ConsumerRecord> readAll(String topic, int partitions, int expected) {
        try (RunnelConsumer consumer = new RunnelConsumer(bootstrap, RunnelConsumer.OffsetReset.EARLIEST, 1 << 20)) {
            List<TopicPartition> tps = new ArrayList<>();
            for (int p = 0; p < partitions; p++) {
                tps.add(new TopicPartition(topic, p));
            }
            consumer.assign(tps);
            List<ConsumerRecord> out = new ArrayList<>();
            long deadline = System.currentTimeMillis() + 20_000;
            while (out.size() < expected && System.currentTimeMillis() < deadline) {
                out.addAll(consumer.poll(Duration.ofMillis(200)));
            }
            return out;
        }
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void everyCodec_roundTrips(CompressionType codec) {
        String topic = "codec-" + codec.label();
        createTopic(topic, 1);
        List<CompletableFuture<RecordMetadata>> sent = new ArrayList<>();
        try (RunnelProducer producer = new RunnelProducer(ProducerConfig.defaults(bootstrap).withCompression(codec))) {
            for (int i = 0; i < 500; i++) {
                sent.add(producer.send(new ProducerRecord(topic, 0, 1000L + i, ("k" + i).getBytes(), ("value-" + i).repeat(5).getBytes(),
                    List.of(new Header("i", Integer.toString(i).getBytes())))));
            }
        }
        for (int i = 0; i < 500; i++) {
            assertEquals(i, sent.get(i).join().offset());
        }
        List<ConsumerRecord> got = readAll(topic, 1, 500);
        assertEquals(500, got.size());
        for (int i = 0; i < 500; i++) {
            assertEquals(i, got.get(i).offset());
            assertEquals(("value-" + i).repeat(5), new String(got.get(i).value()));
            assertEquals(1000L + i, got.get(i).timestamp());
            assertEquals(List.of(new Header("i", Integer.toString(i).getBytes())), got.get(i).headers());
        }
    }

    @Test
    void partitioning_explicitWins_keysHashLikeKafka_unkeyedSpreadInBatches() {
        createTopic("parts", 4);
        try (RunnelProducer producer = new RunnelProducer(ProducerConfig.defaults(bootstrap).withBatching(1024, 1))) {
            RecordMetadata explicit = producer.send(new ProducerRecord("parts", 3, null, "k".getBytes(), "v".getBytes(), null)).join();
            assertEquals(3, explicit.partition());
            for (int i = 0; i < 50; i++) {
                byte[] key = ("user-" + i).getBytes();
                assertEquals(Partitioner.forKey(key, 4), producer.send(new ProducerRecord("parts", key, "v".getBytes())).join().partition());
            }
            Map<Integer, Integer> unkeyed = new HashMap<>();
            List<CompletableFuture<RecordMetadata>> sent = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                sent.add(producer.send(new ProducerRecord("parts", null, ("value " + i).repeat(10).getBytes())));
            }
            sent.forEach(f -> unkeyed.merge(f.join().partition(), 1, Integer::sum));
            assertTrue(unkeyed.size() > 1, "sticky partitioning moves on as batches fill: " + unkeyed);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, 0, 1})
    void everyAcksLevel(int acks) {
        String topic = "acks" + (acks + 1);
        createTopic(topic, 1);
        try (RunnelProducer producer = new RunnelProducer(ProducerConfig.defaults(bootstrap).withAcks(acks))) {
            RecordMetadata m = producer.send(new ProducerRecord(topic, null, "x".getBytes())).join();
            assertEquals(acks == 0 ? -1 : 0, m.offset());
        }
        assertEquals(1, readAll(topic, 1, 1).size());
    }

    @Test
    void unknownTopic_failsTheFuture_withItsCode_afterTheDeliveryTimeout() {
        try (RunnelProducer producer = new RunnelProducer(ProducerConfig.defaults(bootstrap).withDeliveryTimeoutMs(500))) {
            var failure = assertThrows(java.util.concurrent.CompletionException.class,
                () -> producer.send(new ProducerRecord("no-such-topic", null, "x".getBytes())).join());
            assertEquals(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ((RunnelProducer.ProduceException) failure.getCause()).code());
        }
    }

    @Test
    void consumer_seeks_offsetsForTimes_andOutOfRangeHandling() {
        createTopic("seeks", 1);
        try (RunnelProducer producer = new RunnelProducer(ProducerConfig.defaults(bootstrap))) {
            for (int i = 0; i < 20; i++) {
                producer.send(new ProducerRecord("seeks", 0, 10_000L + i * 10, null, ("m" + i).getBytes(), null));
            }
        }
        TopicPartition tp = new TopicPartition("seeks", 0);
        try (RunnelConsumer consumer = new RunnelConsumer(bootstrap, RunnelConsumer.OffsetReset.EARLIEST, 1 << 20)) {
            consumer.assign(List.of(tp));
            consumer.seek(tp, 15);
            List<ConsumerRecord> tail = consumer.poll(Duration.ofSeconds(5));
            assertEquals(15, tail.get(0).offset());
            assertEquals(20, consumer.position(tp));
            consumer.seekToBeginning(List.of(tp));
            assertEquals(0, consumer.position(tp));
            consumer.seekToEnd(List.of(tp));
            assertEquals(20, consumer.position(tp));
            assertEquals(Map.of(tp, 5L), consumer.offsetsForTimes(Map.of(tp, 10_045L)));
            consumer.seek(tp, 1_000);
            List<ConsumerRecord> afterReset = new ArrayList<>();
            for (int i = 0; i < 5 && afterReset.isEmpty(); i++) {
                afterReset.addAll(consumer.poll(Duration.ofSeconds(1)));
            }
            assertEquals(0, afterReset.get(0).offset(), "auto.offset.reset=earliest went back to the start");
            assertThrows(IllegalArgumentException.class, () -> consumer.seek(new TopicPartition("seeks", 7), 0));
        }
        try (RunnelConsumer strict = new RunnelConsumer(bootstrap, RunnelConsumer.OffsetReset.NONE, 1 << 20)) {
            strict.assign(List.of(tp));
            strict.seek(tp, 1_000);
            assertThrows(RunnelConsumer.OffsetOutOfRangeException.class, () -> strict.poll(Duration.ofSeconds(2)));
        }
    }

    @Test
    void consumer_pauseAndResume_andSeekAfterPrefetchLeaksNothing() {
        createTopic("pausing", 2);
        try (RunnelProducer producer = new RunnelProducer(ProducerConfig.defaults(bootstrap))) {
            for (int i = 0; i < 40; i++) {
                producer.send(new ProducerRecord("pausing", i % 2, null, null, ("p" + i).getBytes(), null));
            }
        }
        TopicPartition p0 = new TopicPartition("pausing", 0);
        TopicPartition p1 = new TopicPartition("pausing", 1);
        try (RunnelConsumer consumer = new RunnelConsumer(bootstrap, RunnelConsumer.OffsetReset.EARLIEST, 1 << 20)) {
            consumer.assign(List.of(p0, p1));
            consumer.pause(List.of(p1));
            List<ConsumerRecord> got = new ArrayList<>();
            long deadline = System.currentTimeMillis() + 10_000;
            while (got.size() < 20 && System.currentTimeMillis() < deadline) {
                got.addAll(consumer.poll(Duration.ofMillis(200)));
            }
            assertTrue(got.stream().allMatch(r -> r.partition() == 0), "nothing from the paused partition");
            assertEquals(20, got.size());
            consumer.resume(List.of(p1));
            List<ConsumerRecord> resumed = new ArrayList<>();
            deadline = System.currentTimeMillis() + 10_000;
            while (resumed.size() < 20 && System.currentTimeMillis() < deadline) {
                resumed.addAll(consumer.poll(Duration.ofMillis(200)));
            }
            assertEquals(20, resumed.size());
            assertTrue(resumed.stream().allMatch(r -> r.partition() == 1));
            // The fetcher may have prefetched p0 from 20 on; a seek back must win over anything queued.
            consumer.seek(p0, 3);
            List<ConsumerRecord> again = new ArrayList<>();
            deadline = System.currentTimeMillis() + 10_000;
            while (again.isEmpty() && System.currentTimeMillis() < deadline) {
                again.addAll(consumer.poll(Duration.ofMillis(200)));
            }
            assertEquals(3, again.get(0).offset());
            assertEquals(0, again.get(0).partition());
        }
    }

    /** Loses the response of every third produce call after the broker handled it: the client sees UNAVAILABLE. */
    private static final class LoseResponses implements io.grpc.ClientInterceptor {
        final java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        final java.util.concurrent.atomic.AtomicInteger lost = new java.util.concurrent.atomic.AtomicInteger();

        @Override
        public <Q, A> io.grpc.ClientCall<Q, A> interceptCall(io.grpc.MethodDescriptor<Q, A> method, io.grpc.CallOptions options,
                                                             io.grpc.Channel next) {
            boolean lose = method.getBareMethodName().equals("Produce") && calls.incrementAndGet() % 3 == 0;
            return new io.grpc.ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
                @Override
                public void start(Listener<A> listener, io.grpc.Metadata headers) {
                    super.start(!lose ? listener : new io.grpc.ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                        @Override
                        public void onMessage(A message) {
                            lost.incrementAndGet(); // written on the broker, but the answer never arrives
                        }

                        @Override
                        public void onClose(io.grpc.Status status, io.grpc.Metadata trailers) {
                            super.onClose(io.grpc.Status.UNAVAILABLE.withDescription("response lost (test)"), trailers);
                        }
                    }, headers);
                }
            };
        }
    }

    @Test
    void idempotentProducer_lostResponsesAreRetried_everyRecordWrittenOnceInOrder() {
        createTopic("exactly-once", 2);
        LoseResponses faults = new LoseResponses();
        List<CompletableFuture<RecordMetadata>> sent = new ArrayList<>();
        try (RunnelProducer producer = new RunnelProducer(ProducerConfig.defaults(bootstrap).withBatching(64, 0).withMaxRequestSize(64)
                .withRequestTimeoutMs(2000), faults)) {
            for (int i = 0; i < 300; i++) {
                sent.add(producer.send(new ProducerRecord("exactly-once", i % 2, null, null, ("r" + i).getBytes(), null)));
            }
        }
        sent.forEach(CompletableFuture::join);
        assertTrue(faults.lost.get() > 5, "responses were lost: " + faults.lost.get());
        List<ConsumerRecord> got = readAll("exactly-once", 2, 300);
        assertEquals(300, got.size(), "no duplicates, nothing missing");
        for (int p = 0; p < 2; p++) {
            int partition = p;
            List<String> values = got.stream().filter(r -> r.partition() == partition).map(r -> new String(r.value())).toList();
            List<String> expected = new ArrayList<>();
            for (int i = partition; i < 300; i += 2) {
                expected.add("r" + i);
            }
            assertEquals(expected, values, "partition " + p + " in order, once each");
        }
        for (int i = 0; i < 300; i++) {
            assertEquals(i / 2, sent.get(i).join().offset(), "a retried record reports its original offset");
        }
    }

    private static int cli(String stdin, StringWriter out, String... args) {
        InputStream saved = System.in;
        try {
            System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
            return RunnelCli.run(args, new PrintWriter(out, true), new PrintWriter(new StringWriter(), true));
        } finally {
            System.setIn(saved);
        }
    }

    @Test
    void cli_roundTrip_andExitCodes() {
        StringWriter out = new StringWriter();
        assertEquals(0, cli("", out, "--bootstrap", bootstrap, "topic", "create", "lines", "--partitions", "1"));
        assertEquals(1, cli("", new StringWriter(), "--bootstrap", bootstrap, "topic", "create", "lines"), "exists");
        assertEquals(0, cli("one\ntwo\nthree\n", new StringWriter(), "--bootstrap", bootstrap, "produce", "lines"));
        StringWriter consumed = new StringWriter();
        assertEquals(0, cli("", consumed, "--bootstrap", bootstrap, "consume", "lines", "--from-beginning", "--max-messages", "3"));
        assertEquals(List.of("one", "two", "three"), consumed.toString().lines().toList());
        assertEquals(2, cli("", new StringWriter(), "--bootstrap", bootstrap, "produce", "lines", "--acks", "2"));
        assertEquals(2, cli("", new StringWriter(), "--bootstrap", bootstrap, "nonsense"));
        assertEquals(3, cli("", new StringWriter(), "--bootstrap", "127.0.0.1:1", "topic", "list"));
    }
}
