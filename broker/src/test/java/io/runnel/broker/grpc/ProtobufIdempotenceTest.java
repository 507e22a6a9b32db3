package io.runnel.broker.grpc;

import static io.runnel.broker.grpc.TestRecordLists.values;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runnel.broker.node.SharedNode;
import io.runnel.broker.node.TestCluster;
import io.runnel.proto.v1.BrokerGrpc;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.InitProducerIdRequest;
import io.runnel.proto.v1.InitProducerIdResponse;
import io.runnel.proto.v1.PartitionProduceData;
import io.runnel.proto.v1.PartitionProduceResponse;
import io.runnel.proto.v1.ProduceRequest;
import io.runnel.proto.v1.RecordList;
import io.runnel.proto.v1.TopicProduceData;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Idempotent produce with protobuf records only (issue 15 item 1), through real gRPC on one real
 * node, as a client without a record-batch codec does it: a producer id from InitProducerId, then
 * RecordLists carrying producer_id, producer_epoch and base_sequence. The broker applies the same
 * duplicate and sequence rules as to binary batches.
 */
@ExtendWith(SharedNode.class)
class ProtobufIdempotenceTest {
    private static TestCluster cluster;
    private static BrokerGrpc.BrokerBlockingStub broker;

    @BeforeAll
    static void start(TestCluster shared) {
        cluster = shared;
        cluster.createTopic("pbidem", 1, 1, Map.of());
        cluster.awaitLeadsAll(1, "pbidem", 1);
        broker = BrokerGrpc.newBlockingStub(cluster.clientChannel(1));
    }

    private static InitProducerIdResponse newProducer() {
        InitProducerIdResponse id = broker.initProducerId(InitProducerIdRequest.getDefaultInstance());
        assertEquals(ErrorCode.NONE, id.getError(), id.getErrorMessage());
        return id;
    }

    private static RecordList idempotent(InitProducerIdResponse producer, int baseSequence, String... values) {
        return values(values).setProducerId(producer.getProducerId()).setProducerEpoch(producer.getProducerEpoch())
            .setBaseSequence(baseSequence).build();
    }

    private static PartitionProduceResponse produce(RecordList records) {
        return broker.produce(ProduceRequest.newBuilder().setAcks(-1).setTimeoutMs(5000)
            .addTopics(TopicProduceData.newBuilder().setTopic("pbidem")
                .addPartitions(PartitionProduceData.newBuilder().setPartition(0).setRecords(records)))
            .build()).getTopics(0).getPartitions(0);
    }

    private static long end() {
        return cluster.logEndOffset(1, "pbidem", 0);
    }

    @Test
    void aRetriedRecordList_isAnsweredAsADuplicate_andWrittenOnce() {
        InitProducerIdResponse producer = newProducer();
        RecordList first = idempotent(producer, 0, "a", "b");
        PartitionProduceResponse written = produce(first);
        assertEquals(ErrorCode.NONE, written.getError(), written.getErrorMessage());
        long end = end();

        // The answer was lost; the client resends the very same list.
        PartitionProduceResponse retry = produce(first);
        assertEquals(ErrorCode.NONE, retry.getError(), retry.getErrorMessage());
        assertEquals(written.getBaseOffset(), retry.getBaseOffset(), "answered with the original offset");
        assertEquals(end, end(), "not written twice");

        // The next list follows on at sequence 2 and is written.
        PartitionProduceResponse next = produce(idempotent(producer, 2, "c"));
        assertEquals(ErrorCode.NONE, next.getError(), next.getErrorMessage());
        assertEquals(end, next.getBaseOffset());
        assertEquals(end + 1, end());
    }

    @Test
    void aSequenceGap_isOutOfOrderSequence_andNotWritten() {
        InitProducerIdResponse producer = newProducer();
        assertEquals(ErrorCode.NONE, produce(idempotent(producer, 0, "a")).getError());
        long end = end();
        PartitionProduceResponse gap = produce(idempotent(producer, 5, "far ahead"));
        assertEquals(ErrorCode.OUT_OF_ORDER_SEQUENCE, gap.getError(), gap.getErrorMessage());
        assertEquals(-1, gap.getBaseOffset());
        assertEquals(end, end());
    }

    @Test
    void aProducerIdWithoutEpochOrSequence_isRefused_namingTheMissingField() {
        long pid = newProducer().getProducerId();
        long end = end();
        record Case(RecordList list, String field) {
        }
        for (Case c : List.of(
            new Case(values("x").setProducerId(pid).setBaseSequence(0).build(), "producer_epoch"),
            new Case(values("x").setProducerId(pid).setProducerEpoch(0).build(), "base_sequence"),
            new Case(values("x").setProducerId(pid).setProducerEpoch(-1).setBaseSequence(0).build(), "producer_epoch"),
            new Case(values("x").setProducerId(pid).setProducerEpoch(0).setBaseSequence(-1).build(), "base_sequence"),
            new Case(values("x").setProducerId(pid).setProducerEpoch(40000).setBaseSequence(0).build(), "producer_epoch"),
            new Case(values("x").setBaseSequence(0).build(), "producer_id"))) {
            PartitionProduceResponse r = produce(c.list());
            assertEquals(ErrorCode.INVALID_REQUEST, r.getError(), c.list() + " -> " + r.getErrorMessage());
            assertTrue(r.getErrorMessage().contains(c.field()), r.getErrorMessage());
            assertEquals(-1, r.getBaseOffset());
        }
        assertEquals(end, end(), "nothing written");
    }

    @Test
    void aListWithoutProducerFields_orWithMinusOne_isNotIdempotent_andWrittenEachTime() {
        for (RecordList list : List.of(values("plain").build(),
            values("minus one").setProducerId(-1).setProducerEpoch(-1).setBaseSequence(-1).build())) {
            long end = end();
            assertEquals(ErrorCode.NONE, produce(list).getError());
            assertEquals(ErrorCode.NONE, produce(list).getError());
            assertEquals(end + 2, end(), "a plain retry writes again");
        }
    }
}
