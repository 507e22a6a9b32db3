package io.runnel.broker.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.runnel.broker.partition.TopicPartition;
import io.runnel.log.LogConfig;
import io.runnel.proto.v1.AdminGrpc;
import io.runnel.proto.v1.AlterConfigsRequest;
import io.runnel.proto.v1.BrokerGrpc;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.PartitionProduceData;
import io.runnel.proto.v1.ProduceRequest;
import io.runnel.proto.v1.Record;
import io.runnel.proto.v1.RecordList;
import io.runnel.proto.v1.TopicProduceData;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * Topic settings changed with AlterConfigs reach partitions that are already open, without a restart.
 * One node serves the class; each test changes a topic of its own.
 */
class TopicConfigChangeTest {
    @TempDir
    static Path tmp;
    private static TestCluster cluster;
    private static ManagedChannel channel;
    private String topic;

    @BeforeAll
    static void start() throws IOException {
        cluster = TestCluster.start(tmp, 1, Map.of());
        channel = NettyChannelBuilder.forAddress("127.0.0.1", cluster.clientPort(1)).usePlaintext().build();
    }

    @AfterAll
    static void stop() {
        if (channel != null) {
            channel.shutdownNow();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @BeforeEach
    void createTopic(TestInfo test) {
        topic = test.getTestMethod().orElseThrow().getName();
        cluster.createTopic(topic, 1, 1, Map.of());
        cluster.awaitLeadsAll(1, topic, 1);
    }

    private ErrorCode produceAcksAll() {
        return BrokerGrpc.newBlockingStub(channel).produce(ProduceRequest.newBuilder().setAcks(-1).setTimeoutMs(5000)
                .addTopics(TopicProduceData.newBuilder().setTopic(topic).addPartitions(PartitionProduceData.newBuilder()
                    .setPartition(0).setRecords(RecordList.newBuilder().addRecords(Record.newBuilder()
                        .setValue(ByteString.copyFromUtf8("v")))))).build())
            .getTopics(0).getPartitions(0).getError();
    }

    private void alter(String key, String value) {
        assertEquals(ErrorCode.NONE, AdminGrpc.newBlockingStub(channel).alterConfigs(AlterConfigsRequest.newBuilder()
            .setTopic(topic).putConfigs(key, value).build()).getResult().getError());
    }

    @Test
    void raisingMinInsyncReplicas_refusesAcksAllAtOnce_onTheOpenPartition() {
        assertEquals(ErrorCode.NONE, produceAcksAll());
        alter("min.insync.replicas", "2");
        // One replica in the ISR: acks=all must now be refused, not acknowledged with one copy.
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> produceAcksAll() == ErrorCode.NOT_ENOUGH_REPLICAS);
        alter("min.insync.replicas", "1");
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> produceAcksAll() == ErrorCode.NONE);
    }

    @Test
    void logSettings_reachTheOpenLog() {
        TopicPartition tp = new TopicPartition(topic, 0);
        alter("segment.bytes", "4096");
        alter("retention.ms", "60000");
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> {
            LogConfig config = cluster.node(1).replicaManager().partition(tp).orElseThrow().log().config();
            return config.segmentBytes() == 4096 && config.retentionMs() == 60_000;
        });
        for (int i = 0; i < 100; i++) {
            assertEquals(ErrorCode.NONE, produceAcksAll());
        }
        int segments = cluster.node(1).replicaManager().partition(tp).orElseThrow().log().numberOfSegments();
        assertTrue(segments > 1, "rolled at the new segment.bytes: " + segments + " segments");
    }
}
