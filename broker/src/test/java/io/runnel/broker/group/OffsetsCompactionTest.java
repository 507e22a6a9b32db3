package io.runnel.broker.group;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.runnel.broker.node.TestCluster;
import io.runnel.broker.node.RunnelNode;
import io.runnel.broker.partition.TopicPartition;
import io.runnel.log.Log;
import io.runnel.proto.v1.AdminGrpc;
import io.runnel.proto.v1.CommittedOffset;
import io.runnel.proto.v1.CreateTopicsRequest;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.FindCoordinatorRequest;
import io.runnel.proto.v1.GroupGrpc;
import io.runnel.proto.v1.OffsetCommitPartition;
import io.runnel.proto.v1.OffsetCommitRequest;
import io.runnel.proto.v1.OffsetCommitTopic;
import io.runnel.proto.v1.OffsetFetchRequest;
import io.runnel.proto.v1.OffsetFetchResponse;
import io.runnel.proto.v1.TopicSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code __consumer_offsets} is compacted: many commits of the same partitions shrink to the newest
 * per key, and a coordinator that replays the compacted log after a restart serves the same offsets.
 */
class OffsetsCompactionTest {
    @TempDir
    Path tmp;

    @Test
    void manyCommits_compactToTheNewest_andSurviveARestart() throws Exception {
        TestCluster cluster = TestCluster.start(tmp, 1, Map.of("offsets.topic.num.partitions", "1",
            "offsets.topic.segment.bytes", "2048", "default.file.delete.delay.ms", "0"));
        RunnelNode node = cluster.node(1);
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", cluster.clientPort(1)).usePlaintext().build();
        try {
            Awaitility.await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> AdminGrpc.newBlockingStub(channel)
                .createTopics(CreateTopicsRequest.newBuilder().addTopics(TopicSpec.newBuilder().setName("t").setPartitions(4)
                    .setReplicationFactor(1)).build()).getResults(0).getError() == ErrorCode.NONE);
            GroupGrpc.GroupBlockingStub group = GroupGrpc.newBlockingStub(channel);
            Awaitility.await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> group.withDeadlineAfter(5, TimeUnit.SECONDS)
                .findCoordinator(FindCoordinatorRequest.newBuilder().setGroupId("g").build()).getError() == ErrorCode.NONE);
            for (int round = 0; round < 60; round++) {
                OffsetCommitTopic.Builder t = OffsetCommitTopic.newBuilder().setTopic("t");
                for (int part = 0; part < 4; part++) {
                    t.addPartitions(OffsetCommitPartition.newBuilder().setPartition(part).setOffset(round * 10L + part));
                }
                int r = round;
                Awaitility.await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> group
                    .withDeadlineAfter(5, TimeUnit.SECONDS).offsetCommit(OffsetCommitRequest.newBuilder().setGroupId("g")
                        .addTopics(t).build()).getError() == ErrorCode.NONE);
            }
            Log offsets = node.replicaManager().partition(new TopicPartition(GroupSettings.OFFSETS_TOPIC, 0)).orElseThrow().log();
            long before = offsets.sizeInBytes();
            assertTrue(offsets.numberOfSegments() > 3, "segments: " + offsets.numberOfSegments());
            node.replicaManager().maintainLogs();
            long after = offsets.sizeInBytes();
            System.out.println("__consumer_offsets-0: " + before + " -> " + after + " bytes after compaction");
            assertTrue(after < before / 2, before + " -> " + after);
        } finally {
            cluster.halt(1);
        }

        cluster.restart(1);
        try {
            GroupGrpc.GroupBlockingStub group = GroupGrpc.newBlockingStub(channel);
            OffsetFetchResponse[] fetched = new OffsetFetchResponse[1];
            Awaitility.await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
                fetched[0] = group.withDeadlineAfter(5, TimeUnit.SECONDS).offsetFetch(OffsetFetchRequest.newBuilder()
                    .setGroupId("g").build());
                return fetched[0].getError() == ErrorCode.NONE && fetched[0].getOffsetsCount() == 4;
            });
            for (CommittedOffset o : fetched[0].getOffsetsList()) {
                assertEquals(590L + o.getPartition(), o.getOffset());
            }
        } finally {
            cluster.close();
            channel.shutdownNow();
        }
    }
}
