package io.runnel.broker.grpc;

import static io.runnel.broker.grpc.TestRecordLists.values;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.runnel.broker.node.SharedNode;
import io.runnel.broker.node.TestCluster;
import io.runnel.proto.v1.BrokerGrpc;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.PartitionProduceData;
import io.runnel.proto.v1.ProduceRequest;
import io.runnel.proto.v1.ProduceResponse;
import io.runnel.proto.v1.TopicProduceData;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Produce through real gRPC on one real node (issue 12 item 6): a request naming a partition twice
 * used to be answered NONE once while only the last entry was stored; it is refused whole with
 * INVALID_ARGUMENT and nothing of it is written.
 */
@ExtendWith(SharedNode.class)
class ProduceRequestTest {
    private static TestCluster cluster;
    private static BrokerGrpc.BrokerBlockingStub broker;

    @BeforeAll
    static void start(TestCluster shared) {
        cluster = shared;
        cluster.createTopic("dup", 2, 1, Map.of());
        cluster.awaitLeadsAll(1, "dup", 2);
        broker = BrokerGrpc.newBlockingStub(cluster.clientChannel(1));
    }

    private static PartitionProduceData records(int partition, String... values) {
        return PartitionProduceData.newBuilder().setPartition(partition).setRecords(values(values)).build();
    }

    @Test
    void aPartitionNamedTwiceInOneTopicEntry_isRefusedWhole_andNothingIsWritten() {
        long before0 = cluster.logEndOffset(1, "dup", 0);
        long before1 = cluster.logEndOffset(1, "dup", 1);
        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, () -> broker.produce(
            ProduceRequest.newBuilder().setAcks(1).setTimeoutMs(5000).addTopics(TopicProduceData.newBuilder().setTopic("dup")
                .addPartitions(records(0, "first")).addPartitions(records(1, "other")).addPartitions(records(0, "second")))
                .build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, refused.getStatus().getCode());
        assertTrue(refused.getStatus().getDescription().contains("dup-0"), refused.getStatus().getDescription());
        assertEquals(before0, cluster.logEndOffset(1, "dup", 0));
        assertEquals(before1, cluster.logEndOffset(1, "dup", 1), "the request is refused whole: its other partitions are not written either");
    }

    @Test
    void aPartitionNamedTwiceThroughTheSameTopicListedTwice_isRefusedWhole() {
        long before = cluster.logEndOffset(1, "dup", 1);
        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, () -> broker.produce(
            ProduceRequest.newBuilder().setAcks(-1).setTimeoutMs(5000)
                .addTopics(TopicProduceData.newBuilder().setTopic("dup").addPartitions(records(1, "first")))
                .addTopics(TopicProduceData.newBuilder().setTopic("dup").addPartitions(records(1, "second")))
                .build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, refused.getStatus().getCode());
        assertTrue(refused.getStatus().getDescription().contains("dup-1"), refused.getStatus().getDescription());
        assertEquals(before, cluster.logEndOffset(1, "dup", 1));
    }

    @Test
    void theSameTopicListedTwice_withDifferentPartitions_isWrittenAndAnsweredForBoth() {
        long before0 = cluster.logEndOffset(1, "dup", 0);
        long before1 = cluster.logEndOffset(1, "dup", 1);
        ProduceResponse response = broker.produce(ProduceRequest.newBuilder().setAcks(1).setTimeoutMs(5000)
            .addTopics(TopicProduceData.newBuilder().setTopic("dup").addPartitions(records(0, "a")))
            .addTopics(TopicProduceData.newBuilder().setTopic("dup").addPartitions(records(1, "b")))
            .build());
        assertEquals(2, response.getTopicsList().stream().mapToInt(t -> t.getPartitionsCount()).sum());
        response.getTopicsList().forEach(t -> t.getPartitionsList().forEach(p -> assertEquals(ErrorCode.NONE, p.getError())));
        assertEquals(before0 + 1, cluster.logEndOffset(1, "dup", 0));
        assertEquals(before1 + 1, cluster.logEndOffset(1, "dup", 1));
    }
}
