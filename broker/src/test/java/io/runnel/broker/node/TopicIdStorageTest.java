package io.runnel.broker.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.grpc.StatusRuntimeException;
import io.runnel.broker.partition.Partition;
import io.runnel.broker.partition.TopicPartition;
import io.runnel.metadata.image.PartitionInfo;
import io.runnel.proto.v1.AdminGrpc;
import io.runnel.proto.v1.ControllerGrpc;
import io.runnel.proto.v1.DeleteTopicsRequest;
import io.runnel.proto.v1.ElectPreferredLeadersRequest;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.ReassignPartitionRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14 item 2: partition directories are named by topic, and a name can be reused. A node
 * down while its topics were deleted, one of them re-created under the same name, must serve
 * only the new topic's records once it hosts it again, and drop the directories of the rest.
 * Real three-node cluster.
 */
class TopicIdStorageTest {
    @TempDir
    Path tmp;
    private TestCluster cluster;

    @AfterEach
    void tearDown() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private PartitionInfo partition(int asker, String topic) {
        return cluster.node(asker).controllerClient().image().topics().get(topic).partitions().get(0);
    }

    @Test
    void aTopicDeletedWhileANodeWasDown_andReCreatedUnderItsName_isServedWithOnlyTheNewData() throws Exception {
        cluster = TestCluster.start(tmp, 3, Map.of());
        int down = 3;
        Records records = new Records(cluster);
        cluster.createTopic("reused", 1, 3, Map.of());
        cluster.createTopic("gone", 1, 3, Map.of());
        for (int i = 0; i < 5; i++) {
            assertEquals(ErrorCode.NONE, records.produceAcksAll(partition(1, "reused").leader(), "reused", "old-" + i));
        }
        assertEquals(ErrorCode.NONE, records.produceAcksAll(partition(1, "gone").leader(), "gone", "old"));
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> cluster.logEndOffset(down, "reused", 0) == 5
            && cluster.logEndOffset(down, "gone", 0) == 1);

        // Down while both topics are deleted and one is created again under its old name.
        cluster.halt(down);
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> cluster.node(1).controllerClient().image()
            .liveBrokers().size() == 2);
        var admin = AdminGrpc.newBlockingStub(cluster.clientChannel(1));
        // UNAVAILABLE while the controllers settle (the halted node may have been the active one): asked again.
        Awaitility.await().atMost(Duration.ofSeconds(20)).ignoreExceptionsInstanceOf(StatusRuntimeException.class).until(() -> {
            admin.deleteTopics(DeleteTopicsRequest.newBuilder().addNames("reused").addNames("gone").build()).getResultsList()
                .forEach(r -> assertEquals(ErrorCode.NONE, r.getError(), r.getErrorMessage()));
            return true;
        });
        cluster.createTopic("reused", 1, 2, Map.of());
        TopicPartition tp = new TopicPartition("reused", 0);
        // Node 1's image holds the new topic (two replicas), and its leader hosts it.
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> partition(1, "reused").replicas().size() == 2
            && cluster.node(partition(1, "reused").leader()).replicaManager().partition(tp).map(Partition::isLeader)
                .orElse(false));
        List<String> fresh = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            assertEquals(ErrorCode.NONE, records.produceAcksAll(partition(1, "reused").leader(), "reused", "new-" + i));
            fresh.add("new-" + i);
        }

        RunnelNode restarted = cluster.restart(down);
        cluster.awaitLiveBrokers(3);
        // The node hosts the new topic again, and leads it.
        List<Integer> target = new ArrayList<>(List.of(down));
        target.addAll(partition(1, "reused").replicas());
        Awaitility.await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
            PartitionInfo p = partition(1, "reused");
            if (!p.replicas().contains(down)) {
                // Only the active controller takes it: every running node is asked.
                for (int id : cluster.runningIds()) {
                    ControllerGrpc.newBlockingStub(cluster.controllerChannel(id)).reassignPartition(ReassignPartitionRequest
                        .newBuilder().setTopic("reused").setPartition(0).addAllReplicas(target).build());
                }
            } else if (p.isr().contains(down) && p.leader() != down) {
                admin.electPreferredLeaders(ElectPreferredLeadersRequest.getDefaultInstance());
            }
            return p.replicas().equals(target) && p.leader() == down
                && restarted.replicaManager().partition(tp).map(Partition::isLeader).orElse(false);
        });
        assertEquals(fresh, records.readAll(down, "reused", fresh.size()), "the deleted topic's records are not served");
        assertEquals(fresh.size(), restarted.replicaManager().partition(tp).orElseThrow().logEndOffset());
        // The gone topic's directory was removed once the node's metadata had caught up.
        assertFalse(Files.exists(cluster.dataDir(down).resolve("gone-0")), "an orphan directory is left");
    }
}
