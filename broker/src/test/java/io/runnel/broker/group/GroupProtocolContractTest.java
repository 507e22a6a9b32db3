package io.runnel.broker.group;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runnel.broker.node.TestCluster;
import io.runnel.proto.v1.ConsumerGroupHeartbeatRequest;
import io.runnel.proto.v1.ConsumerGroupHeartbeatResponse;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.FindCoordinatorRequest;
import io.runnel.proto.v1.GroupGrpc;
import io.runnel.proto.v1.OffsetCommitPartition;
import io.runnel.proto.v1.OffsetCommitRequest;
import io.runnel.proto.v1.OffsetCommitTopic;
import io.runnel.proto.v1.TopicPartitions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The answers group.proto's step-by-step protocol promises, one member call at a time over real
 * gRPC: the subscription goes with every heartbeat, a revoked partition is committed before it is
 * reported released (and not after), and a member commits before it leaves.
 */
class GroupProtocolContractTest {
    @TempDir
    Path tmp;

    private static ConsumerGroupHeartbeatRequest.Builder heartbeat(String member, int epoch, List<Integer> owned) {
        ConsumerGroupHeartbeatRequest.Builder r = ConsumerGroupHeartbeatRequest.newBuilder().setGroupId("contract")
            .setMemberId(member).setMemberEpoch(epoch).addSubscribedTopics("t");
        if (!owned.isEmpty()) {
            r.addOwnedPartitions(TopicPartitions.newBuilder().setTopic("t").addAllPartitions(owned));
        }
        return r;
    }

    private static ErrorCode commit(GroupGrpc.GroupBlockingStub group, String member, int epoch, int partition) {
        return group.offsetCommit(OffsetCommitRequest.newBuilder().setGroupId("contract").setMemberId(member).setMemberEpoch(epoch)
            .addTopics(OffsetCommitTopic.newBuilder().setTopic("t").addPartitions(OffsetCommitPartition.newBuilder()
                .setPartition(partition).setOffset(1))).build()).getTopics(0).getPartitions(0).getError();
    }

    private static List<Integer> partitions(ConsumerGroupHeartbeatResponse r) {
        List<Integer> out = new ArrayList<>();
        r.getAssignmentList().forEach(t -> out.addAll(t.getPartitionsList()));
        return out;
    }

    @Test
    void aMemberFollowingGroupProto_getsTheAnswersItDescribes() throws Exception {
        try (TestCluster cluster = TestCluster.start(tmp, 1, Map.of("offsets.topic.num.partitions", "1",
            "group.min.session.timeout.ms", "500", "group.heartbeat.interval.ms", "100"))) {
            cluster.createTopic("t", 2, 1, Map.of());
            GroupGrpc.GroupBlockingStub group = GroupGrpc.newBlockingStub(cluster.clientChannel(1))
                .withDeadlineAfter(30, TimeUnit.SECONDS);
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> group.findCoordinator(FindCoordinatorRequest.newBuilder()
                .setGroupId("contract").build()).getError() == ErrorCode.NONE);
            ConsumerGroupHeartbeatResponse[] a = {null};
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
                a[0] = group.consumerGroupHeartbeat(heartbeat("a", 0, List.of()).build());
                return a[0].getError() == ErrorCode.NONE;
            });
            assertEquals(List.of(0, 1), partitions(a[0]));

            // The subscription must be resent on every heartbeat.
            ConsumerGroupHeartbeatResponse bare = group.consumerGroupHeartbeat(heartbeat("a", a[0].getMemberEpoch(), List.of(0, 1))
                .clearSubscribedTopics().build());
            assertEquals(ErrorCode.INVALID_REQUEST, bare.getError());
            assertTrue(bare.getErrorMessage().contains("subscription"), bare.getErrorMessage());

            // b joins: a is told to give one partition up.
            ConsumerGroupHeartbeatResponse b = group.consumerGroupHeartbeat(heartbeat("b", 0, List.of()).build());
            assertEquals(ErrorCode.NONE, b.getError());
            a[0] = group.consumerGroupHeartbeat(heartbeat("a", a[0].getMemberEpoch(), List.of(0, 1)).build());
            assertEquals(1, partitions(a[0]).size(), "one partition revoked from a");
            Set<Integer> revoked = new HashSet<>(Set.of(0, 1));
            revoked.removeAll(partitions(a[0]));
            int gone = revoked.iterator().next();
            int epoch = a[0].getMemberEpoch();
            // Commit before reporting it released: accepted, the member still holds it.
            assertEquals(ErrorCode.NONE, commit(group, "a", epoch, gone));
            a[0] = group.consumerGroupHeartbeat(heartbeat("a", epoch, partitions(a[0])).build());
            assertEquals(ErrorCode.NONE, a[0].getError());
            // Reported released: it may be b's now, so a's commit of it is refused.
            assertEquals(ErrorCode.STALE_MEMBER_EPOCH, commit(group, "a", a[0].getMemberEpoch(), gone));
            ConsumerGroupHeartbeatResponse bNow = group.consumerGroupHeartbeat(heartbeat("b", b.getMemberEpoch(), List.of()).build());
            assertEquals(List.of(gone), partitions(bNow), "b gets the released partition");

            // Leave: epoch -1 is answered with -1; a commit after it is refused.
            ConsumerGroupHeartbeatResponse left = group.consumerGroupHeartbeat(heartbeat("a", -1, List.of()).build());
            assertEquals(-1, left.getMemberEpoch());
            assertEquals(ErrorCode.UNKNOWN_MEMBER_ID, commit(group, "a", epoch, partitions(a[0]).get(0)));
        }
    }
}
