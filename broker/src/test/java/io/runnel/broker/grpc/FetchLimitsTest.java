package io.runnel.broker.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.runnel.broker.node.TestCluster;
import io.runnel.broker.replica.FetchLimits;
import io.runnel.proto.v1.BrokerGrpc;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.FetchPartition;
import io.runnel.proto.v1.FetchPartitionResponse;
import io.runnel.proto.v1.FetchRequest;
import io.runnel.proto.v1.FetchResponse;
import io.runnel.proto.v1.FetchTopic;
import io.runnel.proto.v1.PartitionProduceData;
import io.runnel.proto.v1.PartitionProduceResponse;
import io.runnel.proto.v1.ProduceRequest;
import io.runnel.proto.v1.Record;
import io.runnel.proto.v1.RecordList;
import io.runnel.proto.v1.TopicProduceData;
import io.runnel.record.CompressionType;
import io.runnel.record.RecordBatchBuilder;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One request cannot make a node copy or decompress without bound, nor park without bound (issue 14
 * item 5 and the fetch-waiter part of item 6): one real node over real gRPC, with small limits.
 */
class FetchLimitsTest {
    private static final int FETCH_MAX_BYTES = 256 << 10;
    private static final int CONVERTED_BATCH_MAX = 128 << 10;
    private static final int WAIT_LIMIT_MS = 4000;

    @TempDir
    static Path tmp;
    private static TestCluster cluster;
    private static ManagedChannel channel;
    private static BrokerGrpc.BrokerBlockingStub broker;

    @BeforeAll
    static void start() throws IOException {
        cluster = TestCluster.start(tmp, 1, Map.of(FetchLimits.MAX_BYTES, Integer.toString(FETCH_MAX_BYTES),
            FetchLimits.MAX_CONVERTED_BATCH_BYTES, Integer.toString(CONVERTED_BATCH_MAX),
            FetchLimits.MAX_WAIT_MS, Integer.toString(WAIT_LIMIT_MS), FetchLimits.MAX_PARKED, "2"));
        for (String topic : List.of("bomb", "plain", "many", "big", "quiet", "parked")) {
            cluster.createTopic(topic, topic.equals("big") ? 3 : 1, 1, Map.of());
            cluster.awaitLeadsAll(1, topic, topic.equals("big") ? 3 : 1);
        }
        // Any answer the broker sends must reach the test: accept what the project's clients accept.
        channel = NettyChannelBuilder.forAddress("127.0.0.1", cluster.clientPort(1)).usePlaintext()
            .maxInboundMessageSize(FetchLimits.CLIENT_MESSAGE_LIMIT).build();
        broker = BrokerGrpc.newBlockingStub(channel);
    }

    @AfterAll
    static void stop() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        cluster.close();
    }

    private static void produce(String topic, int partition, ByteBuffer batch) {
        PartitionProduceResponse r = broker.produce(ProduceRequest.newBuilder().setAcks(1).setTimeoutMs(5000)
            .addTopics(TopicProduceData.newBuilder().setTopic(topic).addPartitions(PartitionProduceData.newBuilder()
                .setPartition(partition).setRecordBatches(ByteString.copyFrom(batch.duplicate()))))
            .build()).getTopics(0).getPartitions(0);
        assertEquals(ErrorCode.NONE, r.getError(), r.getErrorMessage());
    }

    private static ByteBuffer batchOf(int valueBytes) {
        return new RecordBatchBuilder(CompressionType.NONE).append(System.currentTimeMillis(), null, new byte[valueBytes]).build();
    }

    private static FetchTopic partitions(String topic, int partitionMaxBytes, int... partitions) {
        FetchTopic.Builder t = FetchTopic.newBuilder().setTopic(topic);
        for (int p : partitions) {
            t.addPartitions(FetchPartition.newBuilder().setPartition(p).setFetchOffset(0).setCurrentLeaderEpoch(-1)
                .setPartitionMaxBytes(partitionMaxBytes));
        }
        return t.build();
    }

    private static FetchPartitionResponse only(FetchResponse response, String topic, int partition) {
        return response.getTopicsList().stream().filter(t -> t.getTopic().equals(topic)).findFirst().orElseThrow()
            .getPartitionsList().stream().filter(p -> p.getPartition() == partition).findFirst().orElseThrow();
    }

    @Test
    void aCompressionBombFetchedAsMessages_isRefusedForItsPartition_namingTheLimit_andOthersAreServed() throws IOException {
        ByteBuffer bomb = CompressionBomb.zstd(200 << 20);
        assertTrue(bomb.remaining() < 64 << 10, "200 MiB of zeros compress to " + bomb.remaining() + " bytes");
        produce("bomb", 0, bomb);
        broker.produce(ProduceRequest.newBuilder().setAcks(1).setTimeoutMs(5000).addTopics(TopicProduceData.newBuilder()
            .setTopic("plain").addPartitions(PartitionProduceData.newBuilder().setPartition(0).setRecords(RecordList.newBuilder()
                .addRecords(Record.newBuilder().setValue(ByteString.copyFromUtf8("hello")))))).build());

        FetchResponse asMessages = broker.withDeadlineAfter(30, TimeUnit.SECONDS).fetch(FetchRequest.newBuilder()
            .setRecordsAsMessages(true).addTopics(partitions("bomb", 0, 0)).addTopics(partitions("plain", 0, 0)).build());

        FetchPartitionResponse refused = only(asMessages, "bomb", 0);
        assertEquals(ErrorCode.RECORD_TOO_LARGE, refused.getError(), refused.getErrorMessage());
        assertTrue(refused.getErrorMessage().contains(FetchLimits.MAX_CONVERTED_BATCH_BYTES)
            && refused.getErrorMessage().contains(Integer.toString(CONVERTED_BATCH_MAX)), refused.getErrorMessage());
        assertEquals(0, refused.getRecords().getRecordsCount());
        FetchPartitionResponse served = only(asMessages, "plain", 0);
        assertEquals(ErrorCode.NONE, served.getError(), served.getErrorMessage());
        assertEquals("hello", served.getRecords().getRecords(0).getValue().toStringUtf8());
        // The batch is intact: fetched raw, the client gets it as it was written.
        FetchPartitionResponse raw = only(broker.fetch(FetchRequest.newBuilder().addTopics(partitions("bomb", 0, 0)).build()),
            "bomb", 0);
        assertEquals(ErrorCode.NONE, raw.getError(), raw.getErrorMessage());
        assertEquals(bomb.remaining(), raw.getRecordBatches().size());
    }

    @Test
    void maxBytesZero_andAHugePartitionMaxBytes_areCappedByFetchMaxBytes_andPartitionMaxBytesZeroIsNoOwnLimit() {
        int batch = batchOf(32_000).remaining();
        for (int i = 0; i < 16; i++) {
            produce("many", 0, batchOf(32_000));
        }
        int huge = only(broker.fetch(FetchRequest.newBuilder().setMaxBytes(0)
            .addTopics(partitions("many", Integer.MAX_VALUE, 0)).build()), "many", 0).getRecordBatches().size();
        assertTrue(huge > 0 && huge <= FETCH_MAX_BYTES, huge + " bytes answered, " + FetchLimits.MAX_BYTES + " is " + FETCH_MAX_BYTES);
        int askedForMore = only(broker.fetch(FetchRequest.newBuilder().setMaxBytes(Integer.MAX_VALUE)
            .addTopics(partitions("many", Integer.MAX_VALUE, 0)).build()), "many", 0).getRecordBatches().size();
        assertTrue(askedForMore <= FETCH_MAX_BYTES, askedForMore + " bytes answered");
        // partition_max_bytes 0 means no limit of the partition's own, as max_bytes 0 does: not "one batch".
        int partitionZero = only(broker.fetch(FetchRequest.newBuilder().setMaxBytes(0)
            .addTopics(partitions("many", 0, 0)).build()), "many", 0).getRecordBatches().size();
        assertTrue(partitionZero > batch && partitionZero <= FETCH_MAX_BYTES, partitionZero + " bytes, one batch is " + batch);
    }

    @Test
    void theFirstBatchIsAnsweredWholeAboveTheLimit_soAConsumerProgresses_butNoLaterBatchGoesPastIt() {
        ByteBuffer large = batchOf(300 << 10);
        produce("big", 0, large);
        produce("big", 1, batchOf(200 << 10));
        produce("big", 2, batchOf(100 << 10));
        FetchResponse alone = broker.fetch(FetchRequest.newBuilder().addTopics(partitions("big", 0, 0)).build());
        assertEquals(large.remaining(), only(alone, "big", 0).getRecordBatches().size(), "the first batch, whole");

        FetchResponse two = broker.fetch(FetchRequest.newBuilder().addTopics(partitions("big", Integer.MAX_VALUE, 1, 2)).build());
        int first = only(two, "big", 1).getRecordBatches().size();
        assertTrue(first > 200 << 10, first + " bytes");
        assertEquals(0, only(two, "big", 2).getRecordBatches().size(), "a batch that does not fit what is left waits");
        assertEquals(ErrorCode.NONE, only(two, "big", 2).getError());
    }

    @Test
    void aLongPollOfAlmostTwentyFiveDays_isAnsweredWithinTheWaitLimit() {
        FetchResponse response = broker.withDeadlineAfter(WAIT_LIMIT_MS + 20_000, TimeUnit.MILLISECONDS)
            .fetch(FetchRequest.newBuilder().setMaxWaitMs(Integer.MAX_VALUE).setMinBytes(1)
                .addTopics(partitions("quiet", 1 << 20, 0)).build());
        FetchPartitionResponse quiet = only(response, "quiet", 0);
        assertEquals(ErrorCode.NONE, quiet.getError(), quiet.getErrorMessage());
        assertEquals(0, quiet.getRecordBatches().size());
    }

    @Test
    void withThePurgatoryFull_aFetchIsAnsweredAtOnce_andTheParkedOnesStillGetTheirData() throws Exception {
        BrokerGrpc.BrokerFutureStub async = BrokerGrpc.newFutureStub(channel);
        FetchRequest longPoll = FetchRequest.newBuilder().setMaxWaitMs(Integer.MAX_VALUE).setMinBytes(1)
            .addTopics(partitions("parked", 1 << 20, 0)).build();
        List<Future<FetchResponse>> parked = List.of(async.fetch(longPoll), async.fetch(longPoll));
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> cluster.node(1).replicaManager().parkedFetches() == 2);

        // Answered at once (well before the parked ones' wait limit) instead of parked as a third.
        FetchResponse third = broker.withDeadlineAfter(WAIT_LIMIT_MS / 2, TimeUnit.MILLISECONDS).fetch(longPoll);
        assertEquals(0, only(third, "parked", 0).getRecordBatches().size());
        assertFalse(parked.get(0).isDone() || parked.get(1).isDone(), "the parked fetches still wait");

        produce("parked", 0, batchOf(10));
        for (Future<FetchResponse> f : parked) {
            assertTrue(only(f.get(30, TimeUnit.SECONDS), "parked", 0).getRecordBatches().size() > 0);
        }
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> cluster.node(1).replicaManager().parkedFetches() == 0);
    }
}
