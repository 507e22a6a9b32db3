package io.runnel.broker.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import io.runnel.broker.partition.PartitionState;
import io.runnel.broker.partition.TopicPartition;
import io.runnel.log.EpochEntry;
import io.runnel.log.Log;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.PartitionProduceData;
import io.runnel.proto.v1.PartitionProduceResponse;
import io.runnel.proto.v1.ProduceRequest;
import io.runnel.proto.v1.Record;
import io.runnel.proto.v1.RecordList;
import io.runnel.proto.v1.TopicProduceData;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12 item 3 with real replica fetchers over real gRPC: a broker that led an epoch without
 * writing to it (the others never heard of it) follows the next leader and converges, instead of
 * being told "diverged" on every fetch while acks=all produces wait for it.
 */
class DivergenceReplicationTest {
    private static final TopicPartition TP = new TopicPartition("orders", 0);

    @TempDir
    Path tmp;
    private InProcessCluster cluster;

    @AfterEach
    void tearDown() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    private PartitionProduceResponse produce(int broker, String value) {
        ProduceRequest request = ProduceRequest.newBuilder().setAcks(-1).setTimeoutMs(5000)
            .addTopics(TopicProduceData.newBuilder().setTopic(TP.topic()).addPartitions(PartitionProduceData.newBuilder()
                .setPartition(0).setRecords(RecordList.newBuilder().addRecords(Record.newBuilder()
                    .setValue(ByteString.copyFromUtf8(value))))))
            .build();
        return cluster.client(broker).withDeadlineAfter(10, TimeUnit.SECONDS).produce(request).getTopics(0).getPartitions(0);
    }

    private Log log(int broker) {
        return cluster.node(broker).replicaManager.partition(TP).orElseThrow().log();
    }

    @Test
    void aFollowerWhoseLastEpochStartsAtItsLogEnd_convergesWithTheNewLeader() throws Exception {
        cluster = new InProcessCluster(tmp, 2, 2);
        cluster.controller.createTopic(TP.topic(), 1, List.of(1, 2)); // leader 1, epoch 0, ISR [1, 2]
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> cluster.node(1).replicaManager.partition(TP)
            .map(p -> p.isLeader()).orElse(false));
        assertEquals(ErrorCode.NONE, produce(1, "a").getError());
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> log(2).logEndOffset() == 1);

        // Broker 2 alone hears it leads epoch 1 (broker 1 is cut off), and writes nothing in it.
        cluster.applyOnly(2, TP, new PartitionState(2, 1, 1, List.of(1, 2), List.of(2)));
        assertEquals(List.of(new EpochEntry(0, 0), new EpochEntry(1, 1)), log(2).leaderEpochCache().entries());
        // Then broker 1 leads epoch 2 and broker 2 follows it, naming epoch 1 that broker 1 never had.
        cluster.controller.setState(TP, new PartitionState(1, 2, 2, List.of(1, 2), List.of(1, 2)));

        PartitionProduceResponse b = produce(1, "b");
        assertEquals(ErrorCode.NONE, b.getError(), "the follower replicates again: " + b.getErrorMessage());
        assertEquals(1, b.getBaseOffset());
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> log(2).logEndOffset() == 2);
        assertEquals(List.of(new EpochEntry(0, 0), new EpochEntry(2, 1)), log(2).leaderEpochCache().entries());
    }
}
