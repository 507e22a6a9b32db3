package io.runnel.broker.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.StatusRuntimeException;
import io.runnel.broker.partition.TopicPartition;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.FetchPartition;
import io.runnel.proto.v1.FetchPartitionResponse;
import io.runnel.proto.v1.FetchRequest;
import io.runnel.proto.v1.FetchTopic;
import io.runnel.proto.v1.PartitionProduceData;
import io.runnel.proto.v1.PartitionProduceResponse;
import io.runnel.proto.v1.ProduceRequest;
import io.runnel.proto.v1.Record;
import io.runnel.proto.v1.RecordList;
import io.runnel.proto.v1.TopicProduceData;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Three brokers over real gRPC on loopback, with real logs and replica fetchers. */
class ReplicationIntegrationTest {
    private static final String TOPIC = "orders";
    private static final TopicPartition TP = new TopicPartition(TOPIC, 0);

    @TempDir
    Path tmp;
    private InProcessCluster cluster;

    @AfterEach
    void tearDown() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static ProduceRequest produceRequest(int acks, String... values) {
        RecordList.Builder records = RecordList.newBuilder();
        for (String v : values) {
            records.addRecords(Record.newBuilder().setValue(ByteString.copyFromUtf8(v)));
        }
        return ProduceRequest.newBuilder().setAcks(acks).setTimeoutMs(5000)
            .addTopics(TopicProduceData.newBuilder().setTopic(TOPIC)
                .addPartitions(PartitionProduceData.newBuilder().setPartition(0).setRecords(records)))
            .build();
    }

    private PartitionProduceResponse produce(int broker, int acks, String... values) {
        return cluster.client(broker).withDeadlineAfter(10, TimeUnit.SECONDS).produce(produceRequest(acks, values))
            .getTopics(0).getPartitions(0);
    }

    private FetchPartitionResponse fetch(int broker, long offset, int maxWaitMs, int minBytes) {
        FetchRequest request = FetchRequest.newBuilder().setMaxWaitMs(maxWaitMs).setMinBytes(minBytes).setRecordsAsMessages(true)
            .addTopics(FetchTopic.newBuilder().setTopic(TOPIC).addPartitions(FetchPartition.newBuilder().setPartition(0)
                .setFetchOffset(offset).setCurrentLeaderEpoch(-1).setPartitionMaxBytes(1 << 20)))
            .build();
        return cluster.client(broker).withDeadlineAfter(30, TimeUnit.SECONDS).fetch(request).getTopics(0).getPartitions(0);
    }

    /** Every record below the leader's high watermark, as offset to value. */
    private Map<Long, String> readAll(int broker) {
        Map<Long, String> out = new LinkedHashMap<>();
        long next = 0;
        while (true) {
            FetchPartitionResponse r = fetch(broker, next, 0, 1);
            assertEquals(ErrorCode.NONE, r.getError(), r.getErrorMessage());
            if (r.getRecords().getRecordsCount() == 0) {
                return out;
            }
            for (Record rec : r.getRecords().getRecordsList()) {
                assertEquals(next, rec.getOffset(), "offsets are dense and in order");
                out.put(rec.getOffset(), rec.getValue().toStringUtf8());
                next = rec.getOffset() + 1;
            }
        }
    }

    @Test
    void acksAll_survivesLeaderFailure_everyAcknowledgedRecordReadableExactlyOnce() throws Exception {
        cluster = new InProcessCluster(tmp, 3, 2);
        cluster.controller.createTopic(TOPIC, 1, List.of(1, 2, 3));
        List<String> acknowledged = new ArrayList<>();
        int counter = 0;
        for (; counter < 50; counter++) {
            PartitionProduceResponse r = produce(1, -1, "r" + counter);
            assertEquals(ErrorCode.NONE, r.getError(), r.getErrorMessage());
            acknowledged.add("r" + counter);
        }
        cluster.kill(1);
        int newLeader = cluster.controller.state(TP).leaderId();
        assertNotEquals(1, newLeader);
        assertEquals(1, cluster.controller.state(TP).leaderEpoch());
        for (; counter < 100; counter++) {
            PartitionProduceResponse r = produce(newLeader, -1, "r" + counter);
            assertEquals(ErrorCode.NONE, r.getError(), r.getErrorMessage());
            acknowledged.add("r" + counter);
        }
        Map<Long, String> read = readAll(newLeader);
        assertEquals(acknowledged, new ArrayList<>(read.values()));

        // The old leader comes back as a follower and catches up to the same log.
        cluster.start(1);
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() ->
            cluster.node(1).replicaManager.partition(TP).map(p -> p.logEndOffset()).orElse(-1L) == 100L);
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> cluster.controller.state(TP).isr().size() == 3);
    }

    @Test
    void laggingFollowerLeavesIsr_acksAllBelowMinIsrRefused_thenRejoins() throws Exception {
        cluster = new InProcessCluster(tmp, 3, 3);
        cluster.controller.createTopic(TOPIC, 1, List.of(1, 2, 3));
        assertEquals(ErrorCode.NONE, produce(1, -1, "a").getError());
        cluster.node(3).fetchers.close(); // broker 3 stays up but stops replicating
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> cluster.controller.state(TP).isr().size() == 2);
        PartitionProduceResponse refused = produce(1, -1, "b");
        assertEquals(ErrorCode.NOT_ENOUGH_REPLICAS, refused.getError());
        assertEquals(ErrorCode.NONE, produce(1, 1, "c").getError(), "acks=1 still works");
        assertEquals(List.of("a", "c"), new ArrayList<>(readAllEventually(1, 2).values()));

        // Replication resumes: 3 catches up and rejoins, and acks=all works again.
        cluster.node(3).replicaManager.onFollowerChanges(f -> { });
        cluster.kill(3);
        cluster.start(3);
        cluster.controller.publishAll();
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> cluster.controller.state(TP).isr().size() == 3);
        assertEquals(ErrorCode.NONE, produce(1, -1, "d").getError());
    }

    private Map<Long, String> readAllEventually(int broker, int count) {
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> readAll(broker).size() == count);
        return readAll(broker);
    }

    @Test
    void longPoll_returnsWhenDataArrives_andAfterMaxWaitWhenNone() throws Exception {
        cluster = new InProcessCluster(tmp, 1, 1);
        cluster.controller.createTopic(TOPIC, 1, List.of(1));
        long start = System.nanoTime();
        FetchPartitionResponse empty = fetch(1, 0, 300, 1);
        long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(0, empty.getRecords().getRecordsCount());
        assertTrue(waitedMs >= 250, "an empty long poll waits out max_wait_ms, waited " + waitedMs);

        var pending = java.util.concurrent.CompletableFuture.supplyAsync(() -> fetch(1, 0, 20_000, 1));
        Awaitility.await().pollDelay(Duration.ofMillis(200)).atMost(Duration.ofSeconds(5)).until(() -> !pending.isDone());
        assertEquals(ErrorCode.NONE, produce(1, 1, "hello").getError());
        FetchPartitionResponse got = pending.get(5, TimeUnit.SECONDS); // long before the 20 s wait
        assertEquals("hello", got.getRecords().getRecords(0).getValue().toStringUtf8());
    }

    @Test
    void errorsAreDataPerPartition_andMalformedRequestsFailWhole() throws Exception {
        cluster = new InProcessCluster(tmp, 1, 1);
        cluster.controller.createTopic(TOPIC, 1, List.of(1));
        ProduceRequest unknown = ProduceRequest.newBuilder().setAcks(1).addTopics(TopicProduceData.newBuilder().setTopic("nope")
            .addPartitions(PartitionProduceData.newBuilder().setPartition(0).setRecords(RecordList.newBuilder()
                .addRecords(Record.newBuilder().setValue(ByteString.copyFromUtf8("x")))))).build();
        assertEquals(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
            cluster.client(1).produce(unknown).getTopics(0).getPartitions(0).getError());
        ProduceRequest corrupt = ProduceRequest.newBuilder().setAcks(1).addTopics(TopicProduceData.newBuilder().setTopic(TOPIC)
            .addPartitions(PartitionProduceData.newBuilder().setPartition(0)
                .setRecordBatches(ByteString.copyFrom(new byte[70])))).build();
        assertEquals(ErrorCode.CORRUPT_RECORD, cluster.client(1).produce(corrupt).getTopics(0).getPartitions(0).getError());
        StatusRuntimeException bad = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class,
            () -> cluster.client(1).produce(produceRequest(7, "x")));
        assertEquals(io.grpc.Status.Code.INVALID_ARGUMENT, bad.getStatus().getCode());
        assertEquals(ErrorCode.OFFSET_OUT_OF_RANGE, fetch(1, 99, 0, 1).getError());
        assertEquals(ErrorCode.NONE, produce(1, 1, "still fine").getError(), "the broker keeps serving");

        int port = cluster.node(1).metrics.serve("127.0.0.1", 0);
        java.net.http.HttpResponse<String> scrape = java.net.http.HttpClient.newHttpClient().send(
            java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
            java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(200, scrape.statusCode());
        assertTrue(scrape.body().contains("runnel_request_errors_total{api=\"produce\",error=\"CORRUPT_RECORD\"} 1.0"),
            scrape.body());
        assertTrue(scrape.body().contains("runnel_produce_latency_seconds_count"), scrape.body());
        assertTrue(scrape.body().contains("runnel_under_replicated_partitions 0.0"), scrape.body());
    }
}
