package io.runnel.broker.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.runnel.broker.partition.TopicPartition;
import io.runnel.log.Log;
import io.runnel.proto.v1.AdminGrpc;
import io.runnel.proto.v1.BrokerGrpc;
import io.runnel.proto.v1.CreateTopicsRequest;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.PartitionProduceData;
import io.runnel.proto.v1.ProduceRequest;
import io.runnel.proto.v1.Record;
import io.runnel.proto.v1.RecordList;
import io.runnel.proto.v1.TopicProduceData;
import io.runnel.proto.v1.TopicSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The broker runs retention on its own, every log.retention.check.interval.ms (it used to run only when called). */
class LogMaintenanceTest {
    @TempDir
    Path tmp;

    @Test
    void expiredSegments_areDeletedWithoutAnyoneAsking() throws Exception {
        TestCluster cluster = TestCluster.start(tmp, 1, Map.of("log.retention.check.interval.ms", "100"));
        RunnelNode node = cluster.node(1);
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", cluster.clientPort(1)).usePlaintext().build();
        try {
            Awaitility.await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> AdminGrpc.newBlockingStub(channel)
                .createTopics(CreateTopicsRequest.newBuilder().addTopics(TopicSpec.newBuilder().setName("short").setPartitions(1)
                    .setReplicationFactor(1).putConfigs("segment.bytes", "1024").putConfigs("retention.ms", "60000")
                    .putConfigs("file.delete.delay.ms", "0"))
                    .build()).getResults(0).getError() == ErrorCode.NONE);
            // Records stamped an hour ago: every sealed segment is past retention.ms at once.
            long anHourAgo = System.currentTimeMillis() - 3_600_000;
            for (int i = 0; i < 40; i++) {
                int n = i;
                Awaitility.await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> BrokerGrpc.newBlockingStub(channel)
                    .produce(ProduceRequest.newBuilder().setAcks(1).addTopics(TopicProduceData.newBuilder().setTopic("short")
                        .addPartitions(PartitionProduceData.newBuilder().setPartition(0).setRecords(RecordList.newBuilder()
                            .addRecords(Record.newBuilder().setTimestampMs(anHourAgo)
                                .setValue(ByteString.copyFromUtf8("x".repeat(200) + n)))))).build())
                    .getTopics(0).getPartitions(0).getError() == ErrorCode.NONE);
            }
            Log log = node.replicaManager().partition(new TopicPartition("short", 0)).orElseThrow().log();
            assertEquals(40, log.logEndOffset());
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> log.numberOfSegments() == 1);
            assertTrue(log.logStartOffset() > 0, "the start moved up to the active segment: " + log.logStartOffset());
        } finally {
            channel.shutdownNow();
            cluster.close();
        }
    }
}
