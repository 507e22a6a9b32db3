package io.runnel.broker.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.runnel.proto.v1.BrokerGrpc;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.FetchPartition;
import io.runnel.proto.v1.FetchPartitionResponse;
import io.runnel.proto.v1.FetchRequest;
import io.runnel.proto.v1.FetchTopic;
import io.runnel.proto.v1.FindCoordinatorRequest;
import io.runnel.proto.v1.FindCoordinatorResponse;
import io.runnel.proto.v1.GroupGrpc;
import io.runnel.proto.v1.ListOffsetsPartition;
import io.runnel.proto.v1.ListOffsetsPartitionResponse;
import io.runnel.proto.v1.ListOffsetsRequest;
import io.runnel.proto.v1.ListOffsetsTopic;
import io.runnel.proto.v1.MetadataRequest;
import io.runnel.proto.v1.MetadataResponse;
import io.runnel.proto.v1.PartitionProduceData;
import io.runnel.proto.v1.PartitionProduceResponse;
import io.runnel.proto.v1.ProduceRequest;
import io.runnel.proto.v1.Record;
import io.runnel.proto.v1.RecordList;
import io.runnel.proto.v1.TopicMetadata;
import io.runnel.proto.v1.TopicProduceData;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12 item 5: a restarted broker answered {@code UNKNOWN_TOPIC_OR_PARTITION: topic 'jepsen'
 * does not exist} before it had replayed the metadata log. Here a node of a real three-node
 * cluster is restarted with its metadata held back (its stream's thread blocks before applying
 * the first image): registered with the controller but not caught up, it must answer retriable
 * errors that say so, and once the metadata flows it must serve as usual.
 */
class MetadataReadinessTest {
    private static final String TOPIC = "jepsen";
    private static final String CATCHING_UP = "catching up with metadata";

    @TempDir
    Path tmp;
    private TestCluster cluster;
    private ManagedChannel channel;
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void tearDown() {
        release.countDown();
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void aRestartedBrokerAnswersRetriableErrorsUntilItHasCaughtUpWithMetadata_thenServes() throws Exception {
        cluster = TestCluster.start(tmp, 3, Map.of());
        cluster.createTopic(TOPIC, 3, 3, Map.of());
        int victim = 3;
        cluster.halt(victim);
        RunnelNode restarted = cluster.restart(victim, image -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        channel = cluster.clientChannel(victim); // closed with the cluster
        // Registered (so the controller knows where its metadata must reach), but nothing applied.
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> restarted.controllerClient().brokerEpoch() >= 0);
        assertFalse(restarted.controllerClient().readiness().isReady());

        PartitionProduceResponse produced = produce(0);
        assertEquals(ErrorCode.LEADER_NOT_AVAILABLE, produced.getError(), produced.getErrorMessage());
        assertTrue(produced.getErrorMessage().contains(CATCHING_UP), produced.getErrorMessage());

        FetchPartitionResponse fetched = fetch(0);
        assertEquals(ErrorCode.LEADER_NOT_AVAILABLE, fetched.getError(), fetched.getErrorMessage());
        assertTrue(fetched.getErrorMessage().contains(CATCHING_UP), fetched.getErrorMessage());

        ListOffsetsPartitionResponse listed = listOffsets(0);
        assertEquals(ErrorCode.LEADER_NOT_AVAILABLE, listed.getError());

        StatusRuntimeException metadata = assertThrows(StatusRuntimeException.class, this::metadata);
        assertEquals(Status.Code.UNAVAILABLE, metadata.getStatus().getCode());
        assertTrue(metadata.getStatus().getDescription().contains(CATCHING_UP), metadata.getStatus().getDescription());

        FindCoordinatorResponse coordinator = GroupGrpc.newBlockingStub(channel)
            .findCoordinator(FindCoordinatorRequest.newBuilder().setGroupId("g").build());
        assertEquals(ErrorCode.COORDINATOR_NOT_AVAILABLE, coordinator.getError());
        assertTrue(coordinator.getErrorMessage().contains(CATCHING_UP), coordinator.getErrorMessage());
        // Heartbeats report the applied offset, so the controller keeps the broker fenced meanwhile.
        assertTrue(restarted.controllerClient().isFenced());

        release.countDown();
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> restarted.controllerClient().readiness().isReady());
        TopicMetadata topic = metadata().getTopics(0);
        assertEquals(ErrorCode.NONE, topic.getError());
        assertEquals(3, topic.getPartitionsCount());
        // The partition is hosted again: the leader writes, a follower points at the leader.
        for (int partition = 0; partition < 3; partition++) {
            ErrorCode answer = produce(partition).getError();
            assertTrue(Set.of(ErrorCode.NONE, ErrorCode.NOT_LEADER).contains(answer), partition + ": " + answer);
        }
    }

    private PartitionProduceResponse produce(int partition) {
        return BrokerGrpc.newBlockingStub(channel).produce(ProduceRequest.newBuilder().setAcks(1).setTimeoutMs(5000)
            .addTopics(TopicProduceData.newBuilder().setTopic(TOPIC).addPartitions(PartitionProduceData.newBuilder()
                .setPartition(partition).setRecords(RecordList.newBuilder().addRecords(Record.newBuilder()
                    .setValue(ByteString.copyFromUtf8("v")))))).build()).getTopics(0).getPartitions(0);
    }

    private FetchPartitionResponse fetch(int partition) {
        return BrokerGrpc.newBlockingStub(channel).fetch(FetchRequest.newBuilder().setMaxWaitMs(0).setMaxBytes(1 << 20)
            .addTopics(FetchTopic.newBuilder().setTopic(TOPIC).addPartitions(FetchPartition.newBuilder()
                .setPartition(partition).setFetchOffset(0).setCurrentLeaderEpoch(-1).setPartitionMaxBytes(1 << 20))).build())
            .getTopics(0).getPartitions(0);
    }

    private ListOffsetsPartitionResponse listOffsets(int partition) {
        return BrokerGrpc.newBlockingStub(channel).listOffsets(ListOffsetsRequest.newBuilder().addTopics(ListOffsetsTopic
            .newBuilder().setTopic(TOPIC).addPartitions(ListOffsetsPartition.newBuilder().setPartition(partition)
                .setTimestamp(-1))).build()).getTopics(0).getPartitions(0);
    }

    private MetadataResponse metadata() {
        return BrokerGrpc.newBlockingStub(channel).metadata(MetadataRequest.newBuilder().addTopics(TOPIC).build());
    }
}
