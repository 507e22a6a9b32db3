package io.runnel.client.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.runnel.broker.node.RecordingStream;
import io.runnel.broker.node.TestCluster;
import io.runnel.client.admin.RunnelAdmin;
import io.runnel.client.common.TopicPartition;
import io.runnel.client.consumer.ConsumerRecord;
import io.runnel.client.consumer.GroupConfig;
import io.runnel.client.consumer.RebalanceListener;
import io.runnel.client.consumer.RunnelConsumer;
import io.runnel.proto.v1.PartitionSequence;
import io.runnel.proto.v1.PublishAck;
import io.runnel.proto.v1.PublishMessage;
import io.runnel.proto.v1.PublishOpen;
import io.runnel.proto.v1.PublishOpened;
import io.runnel.proto.v1.PublishRequest;
import io.runnel.proto.v1.PublishResponse;
import io.runnel.proto.v1.PublishResume;
import io.runnel.proto.v1.Record;
import io.runnel.proto.v1.StreamGrpc;
import io.runnel.proto.v1.SubscribeAck;
import io.runnel.proto.v1.SubscribeOpen;
import io.runnel.proto.v1.SubscribeRecords;
import io.runnel.proto.v1.SubscribeRequest;
import io.runnel.proto.v1.SubscribeResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Stream service (stream.proto) on a real 3-node cluster over real gRPC: streams opened to a
 * broker that leads none of (or only some of) the partitions, so forwarding to leaders and to the
 * group coordinator is exercised.
 */
class StreamApiClusterTest {
    @TempDir
    static Path tmp;
    private static TestCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        cluster = TestCluster.start(tmp, 3, Map.of("offsets.topic.num.partitions", "3", "group.min.session.timeout.ms", "500",
            "group.heartbeat.interval.ms", "100"));
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    /** One stream's answers, collected; the stream's request side is {@link #requests}. */
    private static final class Probe<Q, R> extends RecordingStream<R> {
        StreamObserver<Q> requests;
    }

    private static Probe<PublishRequest, PublishResponse> publish(ManagedChannel channel, PublishOpen open) {
        Probe<PublishRequest, PublishResponse> probe = new Probe<>();
        probe.requests = StreamGrpc.newStub(channel).publish(probe);
        probe.requests.onNext(PublishRequest.newBuilder().setOpen(open).build());
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> !probe.received.isEmpty() || probe.ended.get() != null);
        assertTrue(probe.received.get(0).hasOpened(), probe.received + " " + probe.ended.get());
        return probe;
    }

    private static PublishMessage message(long sequence, String topic, Integer partition, String key, String value) {
        PublishMessage.Builder m = PublishMessage.newBuilder().setSequence(sequence).setTopic(topic);
        if (partition != null) {
            m.setPartition(partition);
        }
        Record.Builder r = Record.newBuilder().setValue(ByteString.copyFromUtf8(value));
        if (key != null) {
            r.setKey(ByteString.copyFromUtf8(key));
        }
        return m.addRecords(r).build();
    }

    private static List<PublishAck> acks(Probe<PublishRequest, PublishResponse> probe) {
        return probe.received.stream().filter(PublishResponse::hasAck).map(PublishResponse::getAck).toList();
    }

    /** Every record of the topic, read with a plain (group-less) Java consumer from the start. */
    private static List<ConsumerRecord> readAll(String topic, int partitions, long expected) {
        List<ConsumerRecord> out = new ArrayList<>();
        try (RunnelConsumer consumer = new RunnelConsumer(cluster.bootstrap(), RunnelConsumer.OffsetReset.EARLIEST, 1 << 20)) {
            List<TopicPartition> tps = new ArrayList<>();
            for (int p = 0; p < partitions; p++) {
                tps.add(new TopicPartition(topic, p));
            }
            consumer.assign(tps);
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> {
                out.addAll(consumer.poll(Duration.ofMillis(100)));
                return out.size() >= expected;
            });
        }
        return out;
    }

    @Test
    void publish_resendAfterADroppedStream_isNotWrittenTwice() {
        cluster.createTopic("resend", 1, 3, Map.of());
        ManagedChannel first = cluster.clientChannel(1);
        Probe<PublishRequest, PublishResponse> a = publish(first, PublishOpen.getDefaultInstance());
        PublishOpened opened = a.received.get(0).getOpened();
        for (int i = 0; i < 10; i++) {
            a.requests.onNext(PublishRequest.newBuilder().setMessage(message(i, "resend", 0, null, "v" + i)).build());
        }
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> acks(a).size() == 10);
        List<PublishAck> firstAcks = acks(a);
        // The connection drops; the client had only received the acks of messages 0-4.
        first.shutdownNow();
        PublishAck lastSeen = firstAcks.get(4);
        Probe<PublishRequest, PublishResponse> b = publish(cluster.clientChannel(2), PublishOpen.newBuilder()
            .setResume(PublishResume.newBuilder().setProducerId(opened.getProducerId()).setProducerEpoch(opened.getProducerEpoch())
                .addAcknowledged(PartitionSequence.newBuilder().setTopic("resend").setPartition(0)
                    .setNextPartitionSequence(lastSeen.getNextPartitionSequence()))).build());
        for (int i = 5; i < 15; i++) { // 5-9 resent, 10-14 new
            b.requests.onNext(PublishRequest.newBuilder().setMessage(message(i, "resend", 0, null, "v" + i)).build());
        }
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> acks(b).size() == 10);
        List<PublishAck> secondAcks = acks(b);
        for (int i = 0; i < 5; i++) {
            assertEquals(firstAcks.get(5 + i).getOffset(), secondAcks.get(i).getOffset(), "resent message " + (5 + i));
        }
        List<String> values = readAll("resend", 1, 15).stream().map(r -> new String(r.value(), StandardCharsets.UTF_8)).toList();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 15; i++) {
            expected.add("v" + i);
        }
        assertEquals(expected, values);
        b.requests.onCompleted();
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> Status.OK.equals(b.ended.get()));
    }

    @Test
    void publish_keyedAndUnkeyed_ackedAndWrittenInOrderPerPartition() {
        cluster.createTopic("ordered", 3, 2, Map.of());
        Probe<PublishRequest, PublishResponse> p = publish(cluster.clientChannel(3), PublishOpen.getDefaultInstance());
        int count = 300;
        for (int i = 0; i < count; i++) {
            String key = i % 3 == 0 ? null : "key-" + (i % 7);
            p.requests.onNext(PublishRequest.newBuilder().setMessage(message(i, "ordered", null, key, "v" + i)).build());
        }
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> acks(p).size() == count);
        Map<Integer, List<Long>> ackedSequences = new HashMap<>();
        Map<Integer, Long> lastOffset = new HashMap<>();
        for (PublishAck ack : acks(p)) {
            assertEquals("NONE", ack.getError().name(), ack.getErrorMessage());
            assertTrue(ack.getOffset() > lastOffset.getOrDefault(ack.getPartition(), -1L), "acks of a partition in offset order");
            lastOffset.put(ack.getPartition(), ack.getOffset());
            ackedSequences.computeIfAbsent(ack.getPartition(), x -> new ArrayList<>()).add(ack.getSequence());
        }
        Map<Integer, List<Long>> written = new HashMap<>();
        for (ConsumerRecord r : readAll("ordered", 3, count)) {
            written.computeIfAbsent(r.partition(), x -> new ArrayList<>())
                .add(Long.parseLong(new String(r.value(), StandardCharsets.UTF_8).substring(1)));
        }
        for (List<Long> sequences : written.values()) {
            List<Long> sorted = new ArrayList<>(sequences);
            sorted.sort(Long::compare);
            assertEquals(sorted, sequences, "a partition holds its messages in the order sent");
        }
        assertEquals(written, ackedSequences);
        assertEquals(3, written.size(), "keys and round robin spread over every partition");
        p.requests.onCompleted();
    }

    @Test
    void publish_acrossALeaderCrash_everyMessageAckedOnceAndInOrder() throws Exception {
        cluster.createTopic("moving", 1, 3, Map.of("min.insync.replicas", "1"));
        int leader = cluster.node(1).controllerClient().image().topics().get("moving").partitions().get(0).leader();
        int via = leader % 3 + 1;
        Probe<PublishRequest, PublishResponse> p = publish(cluster.clientChannel(via), PublishOpen.getDefaultInstance());
        try {
            for (int i = 0; i < 20; i++) {
                p.requests.onNext(PublishRequest.newBuilder().setMessage(message(i, "moving", 0, null, "v" + i)).build());
            }
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> acks(p).size() == 20);
            // The leader crashes while messages are on their way to it.
            Thread crash = new Thread(() -> cluster.halt(leader));
            crash.start();
            for (int i = 20; i < 40; i++) {
                p.requests.onNext(PublishRequest.newBuilder().setMessage(message(i, "moving", 0, null, "v" + i)).build());
            }
            crash.join();
            // The broker retries NOT_LEADER / unreachable leader until the new leader takes them.
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> acks(p).size() == 40);
            for (PublishAck ack : acks(p)) {
                assertEquals("NONE", ack.getError().name(), ack.getSequence() + ": " + ack.getErrorMessage());
            }
            List<String> values = readAll("moving", 1, 40).stream().map(r -> new String(r.value(), StandardCharsets.UTF_8)).toList();
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                expected.add("v" + i);
            }
            assertEquals(expected, values, "each message once, in the order sent");
            p.requests.onCompleted();
        } finally {
            cluster.restart(leader);
            cluster.awaitLiveBrokers(3);
        }
    }

    private static Probe<SubscribeRequest, SubscribeResponse> subscribe(ManagedChannel channel, SubscribeOpen open) {
        Probe<SubscribeRequest, SubscribeResponse> probe = new Probe<>();
        probe.requests = StreamGrpc.newStub(channel).subscribe(probe);
        probe.requests.onNext(SubscribeRequest.newBuilder().setOpen(open).build());
        return probe;
    }

    private static List<SubscribeRecords> records(Probe<SubscribeRequest, SubscribeResponse> probe) {
        return probe.received.stream().filter(SubscribeResponse::hasRecords).map(SubscribeResponse::getRecords).toList();
    }

    private static int recordCount(Probe<SubscribeRequest, SubscribeResponse> probe) {
        return records(probe).stream().mapToInt(SubscribeRecords::getRecordsCount).sum();
    }

    /** Partitions the stream was told it owns now (assigned minus revoked, in order). */
    private static Set<Integer> streamOwns(Probe<SubscribeRequest, SubscribeResponse> probe) {
        Set<Integer> owns = new HashSet<>();
        for (SubscribeResponse r : probe.received) {
            if (r.hasAssigned()) {
                r.getAssigned().getPartitionsList().forEach(p -> owns.add(p.getPartition()));
            } else if (r.hasRevoked()) {
                r.getRevoked().getPartitionsList().forEach(p -> owns.remove(p.getPartition()));
            }
        }
        return owns;
    }

    private static void produce(String topic, int partitions, int perPartition) {
        Probe<PublishRequest, PublishResponse> p = publish(cluster.clientChannel(1), PublishOpen.getDefaultInstance());
        int n = 0;
        for (int part = 0; part < partitions; part++) {
            for (int i = 0; i < perPartition; i++) {
                p.requests.onNext(PublishRequest.newBuilder().setMessage(message(n++, topic, part, null, part + "/" + i)).build());
            }
        }
        int total = n;
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> acks(p).size() == total);
        p.requests.onCompleted();
    }

    /** Polls the Java member once, and acks everything the stream member got since the last call. */
    private static void step(RunnelConsumer java, Set<String> processed, Probe<SubscribeRequest, SubscribeResponse> stream,
                             Set<String> ackedByStream, int[] ackedUpTo) {
        java.poll(Duration.ofMillis(50)).forEach(r -> processed.add(r.partition() + "/" + r.offset()));
        List<SubscribeRecords> got = records(stream);
        for (; ackedUpTo[0] < got.size(); ackedUpTo[0]++) {
            SubscribeRecords r = got.get(ackedUpTo[0]);
            r.getRecordsList().forEach(rec -> ackedByStream.add(r.getPartition() + "/" + rec.getOffset()));
            // One cumulative ack per delivered batch.
            stream.requests.onNext(SubscribeRequest.newBuilder().setAck(SubscribeAck.newBuilder().setTopic(r.getTopic())
                .setPartition(r.getPartition()).setOffset(r.getRecords(r.getRecordsCount() - 1).getOffset())).build());
        }
    }

    /** The latest committed offset the stream reported per partition. */
    private static Map<Integer, Long> committed(Probe<SubscribeRequest, SubscribeResponse> stream) {
        Map<Integer, Long> out = new HashMap<>();
        stream.received.stream().filter(SubscribeResponse::hasCommitted)
            .forEach(r -> r.getCommitted().getOffsetsList().forEach(c -> out.merge(c.getPartition(), c.getOffset(), Math::max)));
        return out;
    }

    @Test
    void subscribe_sharesAGroupWithAJavaConsumer_andItsPartitionsMoveWithAckedOffsetsWhenItDisconnects() {
        String topic = "shared";
        cluster.createTopic(topic, 6, 2, Map.of());
        Set<String> processed = ConcurrentHashMap.newKeySet();
        Set<TopicPartition> javaOwns = ConcurrentHashMap.newKeySet();
        RunnelConsumer java = new RunnelConsumer(cluster.bootstrap(), RunnelConsumer.OffsetReset.EARLIEST, 1 << 20,
            GroupConfig.of("mixed").withAssignor("range").withSessionTimeoutMs(2000).withAutoCommit(true, 100));
        java.subscribe(List.of(topic), new RebalanceListener() {
            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                javaOwns.removeAll(partitions);
            }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                javaOwns.addAll(partitions);
            }
        });
        // The stream member, opened to a broker that need be neither the coordinator nor a leader.
        ManagedChannel streamChannel = cluster.clientChannel(2);
        Probe<SubscribeRequest, SubscribeResponse> stream = subscribe(streamChannel, SubscribeOpen.newBuilder()
            .setGroupId("mixed").addTopics(topic).setClientId("stream-member").build());
        Set<String> ackedByStream = ConcurrentHashMap.newKeySet();
        int[] ackedUpTo = {0};
        try {
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
                step(java, processed, stream, ackedByStream, ackedUpTo);
                return javaOwns.size() == 3 && streamOwns(stream).size() == 3;
            });
            Set<Integer> javaPartitions = new HashSet<>();
            javaOwns.forEach(tp -> javaPartitions.add(tp.partition()));
            Set<Integer> streamPartitions = streamOwns(stream);
            assertTrue(Collections.disjoint(javaPartitions, streamPartitions), javaPartitions + " and " + streamPartitions);

            produce(topic, 6, 20);
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
                step(java, processed, stream, ackedByStream, ackedUpTo);
                Map<Integer, Long> committed = committed(stream);
                return processed.size() == 60 && ackedByStream.size() == 60
                    && streamPartitions.stream().allMatch(p -> committed.getOrDefault(p, -1L) == 20);
            });

            // The stream member's connection drops: it leaves, and the Java member takes over its
            // partitions from the offsets the stream's acks committed.
            streamChannel.shutdownNow();
            produce(topic, 6, 10);
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
                java.poll(Duration.ofMillis(50)).forEach(r -> processed.add(r.partition() + "/" + r.offset()));
                return javaOwns.size() == 6 && processed.size() >= 120;
            });
            Set<String> all = new HashSet<>(processed);
            all.addAll(ackedByStream);
            assertEquals(180, all.size(), "every record processed by one member or the other");
            Set<String> twice = new HashSet<>(processed);
            twice.retainAll(ackedByStream);
            assertEquals(Set.of(), twice, "records the stream acked were committed: the Java member starts after them");
        } finally {
            java.close();
        }
    }

    @Test
    void subscribe_deliversAtMostMaxUnackedRecords_untilAcked() {
        String topic = "credits";
        cluster.createTopic(topic, 1, 1, Map.of());
        produce(topic, 1, 100);
        Probe<SubscribeRequest, SubscribeResponse> stream = subscribe(cluster.clientChannel(3), SubscribeOpen.newBuilder()
            .setGroupId("slow").addTopics(topic).setMaxUnacked(10).build());
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> recordCount(stream) == 10);
        Awaitility.await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(() -> recordCount(stream) == 10);
        long fourth = records(stream).stream().flatMap(r -> r.getRecordsList().stream()).toList().get(3).getOffset();
        stream.requests.onNext(SubscribeRequest.newBuilder().setAck(SubscribeAck.newBuilder().setTopic(topic).setPartition(0)
            .setOffset(fourth)).build());
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> recordCount(stream) == 14);
        Awaitility.await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(3)).until(() -> recordCount(stream) == 14);
        List<Long> offsets = records(stream).stream().flatMap(r -> r.getRecordsList().stream()).map(Record::getOffset).toList();
        for (int i = 0; i < offsets.size(); i++) {
            assertEquals(i, offsets.get(i), "in offset order, none twice");
        }
        stream.requests.onCompleted();
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> Status.OK.equals(stream.ended.get()));
        assertTrue(stream.received.stream().anyMatch(r -> r.hasCommitted() && r.getCommitted().getOffsets(0).getOffset() == 4),
            "the ack was committed: " + stream.received.stream().filter(SubscribeResponse::hasCommitted).toList());
    }

    /**
     * The member leaves at once when the client cancels its stream, not a session timeout (10 s)
     * later: the broker's calls to the coordinator were made in the stream's gRPC context, which
     * is cancelled with the stream, so the leave was cancelled before it left the broker (and, on
     * a normal end, whenever the stream closed before the leave was answered).
     */
    @Test
    void subscribe_clientCancels_memberLeavesAtOnce() {
        String topic = "cancelled";
        cluster.createTopic(topic, 1, 3, Map.of());
        produce(topic, 1, 5);
        Probe<SubscribeRequest, SubscribeResponse> stream = subscribe(cluster.clientChannel(2), SubscribeOpen.newBuilder()
            .setGroupId("cancelled").addTopics(topic).build());
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> recordCount(stream) == 5);
        stream.requests.onError(Status.CANCELLED.withDescription("the client gives up").asRuntimeException());
        try (RunnelAdmin admin = new RunnelAdmin(cluster.bootstrap())) {
            Awaitility.await().atMost(Duration.ofSeconds(3)).until(() -> admin.describeGroup("cancelled").members().isEmpty());
        }
    }
}
