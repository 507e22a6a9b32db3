package io.runnel.broker.grpc;

import static io.runnel.broker.grpc.TestRecordLists.values;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.runnel.broker.node.SharedNode;
import io.runnel.broker.node.TestCluster;
import io.runnel.proto.v1.BrokerGrpc;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.FetchPartition;
import io.runnel.proto.v1.FetchPartitionResponse;
import io.runnel.proto.v1.FetchRequest;
import io.runnel.proto.v1.FetchTopic;
import io.runnel.proto.v1.ListOffsetsPartition;
import io.runnel.proto.v1.ListOffsetsPartitionResponse;
import io.runnel.proto.v1.ListOffsetsRequest;
import io.runnel.proto.v1.ListOffsetsTopic;
import io.runnel.proto.v1.MetadataRequest;
import io.runnel.proto.v1.PartitionProduceData;
import io.runnel.proto.v1.PartitionProduceResponse;
import io.runnel.proto.v1.ProduceRequest;
import io.runnel.proto.v1.ProduceResponse;
import io.runnel.proto.v1.RecordList;
import io.runnel.proto.v1.TopicMetadata;
import io.runnel.proto.v1.TopicProduceData;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The answers of Produce, Fetch, ListOffsets and Metadata match what broker.proto and errors.proto
 * say (issue 15, "answers that contradict the protos"): called through raw gRPC stubs with protobuf
 * records only, as a client in another language written from the protos would call them.
 */
@ExtendWith(SharedNode.class)
class ProtoContractsTest {
    private static TestCluster cluster;
    private static BrokerGrpc.BrokerBlockingStub broker;

    @BeforeAll
    static void start(TestCluster shared) {
        cluster = shared;
        cluster.createTopic("contracts", 2, 1, Map.of());
        cluster.awaitLeadsAll(1, "contracts", 2);
        broker = BrokerGrpc.newBlockingStub(cluster.clientChannel(1));
    }

    private static PartitionProduceResponse produce(String topic, PartitionProduceData.Builder data) {
        ProduceResponse response = broker.produce(ProduceRequest.newBuilder().setAcks(1).setTimeoutMs(5000)
            .addTopics(TopicProduceData.newBuilder().setTopic(topic).addPartitions(data)).build());
        return response.getTopics(0).getPartitions(0);
    }

    private static FetchPartitionResponse fetch(String topic, int partition, long offset, int maxBytes, int partitionMaxBytes) {
        return broker.fetch(FetchRequest.newBuilder().setMaxBytes(maxBytes)
            .addTopics(FetchTopic.newBuilder().setTopic(topic).addPartitions(FetchPartition.newBuilder()
                .setPartition(partition).setFetchOffset(offset).setCurrentLeaderEpoch(-1).setPartitionMaxBytes(partitionMaxBytes)))
            .build()).getTopics(0).getPartitions(0);
    }

    private static ListOffsetsPartitionResponse listOffsets(String topic, int partition, long timestamp) {
        return broker.listOffsets(ListOffsetsRequest.newBuilder().addTopics(ListOffsetsTopic.newBuilder().setTopic(topic)
            .addPartitions(ListOffsetsPartition.newBuilder().setPartition(partition).setTimestamp(timestamp))).build())
            .getTopics(0).getPartitions(0);
    }

    /** Item 1: broker.proto lists an entry without records among the per-partition INVALID_REQUESTs. */
    @Test
    void anEntryWithoutRecords_isAPerPartitionInvalidRequest_andTheOtherPartitionIsWritten() {
        for (PartitionProduceData.Builder empty : List.of(PartitionProduceData.newBuilder().setPartition(0),
            PartitionProduceData.newBuilder().setPartition(0).setRecordBatches(ByteString.EMPTY),
            PartitionProduceData.newBuilder().setPartition(0).setRecords(RecordList.getDefaultInstance()))) {
            ProduceResponse response = broker.produce(ProduceRequest.newBuilder().setAcks(1).setTimeoutMs(5000)
                .addTopics(TopicProduceData.newBuilder().setTopic("contracts").addPartitions(empty)
                    .addPartitions(PartitionProduceData.newBuilder().setPartition(1).setRecords(values("kept")))).build());
            for (PartitionProduceResponse p : response.getTopics(0).getPartitionsList()) {
                if (p.getPartition() == 0) {
                    assertEquals(ErrorCode.INVALID_REQUEST, p.getError(), p.getErrorMessage());
                    assertTrue(p.getErrorMessage().contains("record"), p.getErrorMessage());
                    assertEquals(-1, p.getBaseOffset());
                } else {
                    assertEquals(ErrorCode.NONE, p.getError(), p.getErrorMessage());
                }
            }
        }
    }

    /** Item 2: errors.proto says to reset from log_start_offset / high_watermark, so both are filled. */
    @Test
    void offsetOutOfRange_carriesTheBoundsToResetFrom() {
        PartitionProduceResponse written = produce("contracts", PartitionProduceData.newBuilder().setPartition(0)
            .setRecords(values("a", "b")));
        assertEquals(ErrorCode.NONE, written.getError(), written.getErrorMessage());
        long end = cluster.logEndOffset(1, "contracts", 0);
        FetchPartitionResponse r = fetch("contracts", 0, end + 1000, 0, 1 << 20);
        assertEquals(ErrorCode.OFFSET_OUT_OF_RANGE, r.getError(), r.getErrorMessage());
        assertEquals(end, r.getHighWatermark());
        assertEquals(0, r.getLogStartOffset());
        assertFalse(r.getErrorMessage().isEmpty());
    }

    /** Item 3: every ListOffsets error says what is wrong. */
    @Test
    void listOffsetsErrors_carryAMessage() {
        ListOffsetsPartitionResponse unknown = listOffsets("contracts", 7, -1);
        assertEquals(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, unknown.getError());
        assertTrue(unknown.getErrorMessage().contains("contracts-7"), unknown.getErrorMessage());
        ListOffsetsPartitionResponse badTimestamp = listOffsets("contracts", 0, -5);
        assertEquals(ErrorCode.INVALID_REQUEST, badTimestamp.getError());
        assertTrue(badTimestamp.getErrorMessage().contains("-5"), badTimestamp.getErrorMessage());
    }

    /** Item 4: an empty or invalid topic name is INVALID_TOPIC for its partitions, naming the fault. */
    @Test
    void anInvalidTopicName_isInvalidTopic_everywhere() {
        for (String name : List.of("", "no/slashes")) {
            PartitionProduceResponse produced = produce(name, PartitionProduceData.newBuilder().setPartition(0)
                .setRecords(values("x")));
            assertEquals(ErrorCode.INVALID_TOPIC, produced.getError(), produced.getErrorMessage());
            assertTrue(produced.getErrorMessage().contains("topic name"), produced.getErrorMessage());
            FetchPartitionResponse fetched = fetch(name, 0, 0, 0, 1 << 20);
            assertEquals(ErrorCode.INVALID_TOPIC, fetched.getError(), fetched.getErrorMessage());
            ListOffsetsPartitionResponse listed = listOffsets(name, 0, -1);
            assertEquals(ErrorCode.INVALID_TOPIC, listed.getError(), listed.getErrorMessage());
            assertTrue(listed.getErrorMessage().contains("topic name"), listed.getErrorMessage());
            TopicMetadata meta = broker.metadata(MetadataRequest.newBuilder().addTopics(name).build()).getTopics(0);
            assertEquals(ErrorCode.INVALID_TOPIC, meta.getError());
        }
    }

    /** Item 5: a length field larger than the bytes sent is a corrupt batch, not a too-large one. */
    @Test
    void textSentAsABatch_isCorruptRecord_notRecordTooLarge() {
        byte[] text = "Hello, this is not a record batch at all, just 64 bytes of text!".getBytes(StandardCharsets.US_ASCII);
        assertEquals(64, text.length);
        long end = cluster.logEndOffset(1, "contracts", 0);
        PartitionProduceResponse r = produce("contracts", PartitionProduceData.newBuilder().setPartition(0)
            .setRecordBatches(ByteString.copyFrom(text)));
        assertEquals(ErrorCode.CORRUPT_RECORD, r.getError(), r.getErrorMessage());
        assertTrue(r.getErrorMessage().contains("runcated") || r.getErrorMessage().contains("orrupt"), r.getErrorMessage());
        assertEquals(end, cluster.logEndOffset(1, "contracts", 0));
    }

    /**
     * Item 6, as broker.proto now documents it (issue 14 item 5 made the two zeros agree): max_bytes 0
     * is the broker's fetch.max.bytes, partition_max_bytes 0 no budget of the partition's own; a
     * budget of one byte still returns the first batch.
     */
    @Test
    void zeroByteBudgets_meanWhatBrokerProtoSays() {
        for (int i = 0; i < 3; i++) {
            PartitionProduceResponse r = produce("contracts", PartitionProduceData.newBuilder().setPartition(1)
                .setRecords(values("batch " + i)));
            assertEquals(ErrorCode.NONE, r.getError(), r.getErrorMessage());
        }
        long end = cluster.logEndOffset(1, "contracts", 1);
        FetchPartitionResponse unlimited = fetch("contracts", 1, 0, 0, Integer.MAX_VALUE);
        FetchPartitionResponse zero = fetch("contracts", 1, 0, 0, 0);
        FetchPartitionResponse oneBatch = fetch("contracts", 1, 0, 0, 1);
        assertEquals(unlimited.getRecordBatches(), zero.getRecordBatches(), "partition_max_bytes 0: no budget of its own");
        assertEquals(ErrorCode.NONE, unlimited.getError(), unlimited.getErrorMessage());
        assertEquals(ErrorCode.NONE, oneBatch.getError(), oneBatch.getErrorMessage());
        assertTrue(unlimited.getRecordBatches().size() > oneBatch.getRecordBatches().size());
        assertTrue(oneBatch.getRecordBatches().size() > 0, "at least one batch even with a budget of one byte");
        FetchPartitionResponse messages = broker.fetch(FetchRequest.newBuilder().setRecordsAsMessages(true)
            .addTopics(FetchTopic.newBuilder().setTopic("contracts").addPartitions(FetchPartition.newBuilder()
                .setPartition(1).setCurrentLeaderEpoch(-1).setPartitionMaxBytes(Integer.MAX_VALUE))).build())
            .getTopics(0).getPartitions(0);
        assertEquals(end, messages.getRecords().getRecordsCount() + messages.getRecords().getRecords(0).getOffset());
    }
}
