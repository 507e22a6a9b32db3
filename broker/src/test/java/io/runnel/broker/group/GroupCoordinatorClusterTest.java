package io.runnel.broker.group;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.runnel.broker.node.TestCluster;
import io.runnel.proto.v1.AdminGrpc;
import io.runnel.proto.v1.ConsumerGroupHeartbeatRequest;
import io.runnel.proto.v1.ConsumerGroupHeartbeatResponse;
import io.runnel.proto.v1.CreateTopicsRequest;
import io.runnel.proto.v1.DescribeGroupsRequest;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.FindCoordinatorRequest;
import io.runnel.proto.v1.FindCoordinatorResponse;
import io.runnel.proto.v1.GroupDescription;
import io.runnel.proto.v1.GroupGrpc;
import io.runnel.proto.v1.OffsetCommitPartition;
import io.runnel.proto.v1.OffsetCommitRequest;
import io.runnel.proto.v1.OffsetCommitResponse;
import io.runnel.proto.v1.OffsetCommitTopic;
import io.runnel.proto.v1.OffsetFetchRequest;
import io.runnel.proto.v1.TopicPartitions;
import io.runnel.proto.v1.TopicSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Group service over real gRPC on a three-node cluster, driven by hand-written protocol
 * members (as a client in another language would be): failover to a new coordinator with offsets
 * and members intact, session expiry, and the commit rules.
 */
class GroupCoordinatorClusterTest {
    @TempDir
    Path tmp;
    private TestCluster cluster;
    private final List<ManagedChannel> channels = new ArrayList<>();

    @AfterEach
    void tearDown() {
        channels.forEach(ManagedChannel::shutdownNow);
        if (cluster != null) {
            cluster.close();
        }
    }

    private void startCluster() throws Exception {
        cluster = TestCluster.start(tmp, 3, Map.of("replica.lag.time.max.ms", "2000", "offsets.topic.num.partitions", "3",
            "group.min.session.timeout.ms", "300", "group.heartbeat.interval.ms", "100"));
        var admin = AdminGrpc.newBlockingStub(channel(1)).withDeadlineAfter(30, TimeUnit.SECONDS);
        Awaitility.await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> admin.createTopics(CreateTopicsRequest.newBuilder()
            .addTopics(TopicSpec.newBuilder().setName("t").setPartitions(12).setReplicationFactor(3)).build())
            .getResults(0).getError() == ErrorCode.NONE);
    }

    private ManagedChannel channel(int id) {
        ManagedChannel c = NettyChannelBuilder.forAddress("127.0.0.1", cluster.clientPort(id)).usePlaintext().build();
        channels.add(c);
        return c;
    }

    private GroupGrpc.GroupBlockingStub group(int id) {
        return GroupGrpc.newBlockingStub(channel(id)).withDeadlineAfter(15, TimeUnit.SECONDS);
    }

    /** Asks {@code via} until the group has a coordinator other than {@code not}. */
    private int coordinator(int via, String groupId, int not) {
        int[] found = new int[1];
        Awaitility.await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
            FindCoordinatorResponse r = group(via).findCoordinator(FindCoordinatorRequest.newBuilder().setGroupId(groupId).build());
            found[0] = r.getCoordinator().getId();
            return r.getError() == ErrorCode.NONE && found[0] != not && cluster.runningIds().contains(found[0]);
        });
        return found[0];
    }

    /** A protocol-level member that releases and takes partitions as soon as it is told. */
    private final class Member {
        final String id = UUID.randomUUID().toString();
        int epoch;
        List<TopicPartitions> owned = List.of();

        ConsumerGroupHeartbeatResponse heartbeat(int coordinator, String groupId) {
            ConsumerGroupHeartbeatResponse r = group(coordinator).consumerGroupHeartbeat(ConsumerGroupHeartbeatRequest.newBuilder()
                .setGroupId(groupId).setMemberId(id).setMemberEpoch(epoch).addSubscribedTopics("t").setSessionTimeoutMs(1500)
                .addAllOwnedPartitions(owned).build());
            if (r.getError() == ErrorCode.NONE) {
                epoch = r.getMemberEpoch();
                owned = r.getAssignmentList();
            }
            return r;
        }

        int ownedCount() {
            return owned.stream().mapToInt(TopicPartitions::getPartitionsCount).sum();
        }
    }

    private static OffsetCommitRequest commit(String groupId, Member m, int offset, int... partitions) {
        OffsetCommitTopic.Builder t = OffsetCommitTopic.newBuilder().setTopic("t");
        for (int p : partitions) {
            t.addPartitions(OffsetCommitPartition.newBuilder().setPartition(p).setOffset(offset).setMetadata("m" + p));
        }
        return OffsetCommitRequest.newBuilder().setGroupId(groupId).setMemberId(m == null ? "" : m.id)
            .setMemberEpoch(m == null ? -1 : m.epoch).addTopics(t).build();
    }

    @Test
    void commitThenKillTheCoordinator_newCoordinatorHasTheOffsetsAndTheMember() throws Exception {
        startCluster();
        String groupId = "billing";
        int first = coordinator(1, groupId, -1);
        Member m = new Member();
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> m.heartbeat(first, groupId).getError() == ErrorCode.NONE
            && m.ownedCount() == 12);

        OffsetCommitResponse ok = group(first).offsetCommit(commit(groupId, m, 7, 0, 5, 11));
        assertEquals(ErrorCode.NONE, ok.getError(), ok.getErrorMessage());
        ok.getTopics(0).getPartitionsList().forEach(p -> assertEquals(ErrorCode.NONE, p.getError(), p.getErrorMessage()));
        // The rules: a stale epoch, a stranger, an admin commit to a group with members.
        assertEquals(ErrorCode.STALE_MEMBER_EPOCH, group(first).offsetCommit(OffsetCommitRequest.newBuilder(commit(groupId, m, 1, 0))
            .setMemberEpoch(m.epoch + 5).build()).getError());
        Member stranger = new Member();
        assertEquals(ErrorCode.UNKNOWN_MEMBER_ID, group(first).offsetCommit(commit(groupId, stranger, 1, 0)).getError());
        assertEquals(ErrorCode.NON_EMPTY_GROUP, group(first).offsetCommit(commit(groupId, null, 1, 0)).getError());
        assertEquals(ErrorCode.INVALID_REQUEST, group(first).offsetCommit(commit(groupId, m, -3, 1)).getTopics(0)
            .getPartitions(0).getError());

        int ghostCoordinator = coordinator(1, "ghost", -1);
        OffsetCommitResponse refused = group(ghostCoordinator).offsetCommit(OffsetCommitRequest.newBuilder().setGroupId("ghost")
            .addTopics(OffsetCommitTopic.newBuilder().setTopic("nope").addPartitions(OffsetCommitPartition.newBuilder()
                .setOffset(1))).build());
        assertEquals(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, refused.getTopics(0).getPartitions(0).getError());
        assertEquals(ErrorCode.GROUP_ID_NOT_FOUND, group(ghostCoordinator).describeGroups(DescribeGroupsRequest.newBuilder()
            .addGroupIds("ghost").build()).getGroups(0).getError(), "a commit refused everywhere creates no group");

        var stray = io.runnel.proto.v1.BrokerGrpc.newBlockingStub(channel(first)).produce(io.runnel.proto.v1.ProduceRequest
            .newBuilder().setAcks(1).addTopics(io.runnel.proto.v1.TopicProduceData.newBuilder().setTopic(GroupSettings.OFFSETS_TOPIC)
                .addPartitions(io.runnel.proto.v1.PartitionProduceData.newBuilder().setPartition(0).setRecords(
                    io.runnel.proto.v1.RecordList.newBuilder().addRecords(io.runnel.proto.v1.Record.getDefaultInstance()))))
            .build()).getTopics(0).getPartitions(0);
        assertEquals(ErrorCode.INVALID_REQUEST, stray.getError(), "clients cannot write the offsets topic");

        cluster.halt(first);
        int via = first == 1 ? 2 : 1;
        int second = coordinator(via, groupId, first);
        assertNotEquals(first, second);
        Awaitility.await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> group(second).offsetFetch(OffsetFetchRequest.newBuilder()
            .setGroupId(groupId).build()).getError() == ErrorCode.NONE);
        var offsets = group(second).offsetFetch(OffsetFetchRequest.newBuilder().setGroupId(groupId).build()).getOffsetsList();
        assertEquals(3, offsets.size(), offsets.toString());
        offsets.forEach(o -> {
            assertEquals(7, o.getOffset());
            assertEquals("m" + o.getPartition(), o.getMetadata());
        });
        // The member was replayed too: its heartbeat with the epoch it has is accepted, nothing moves.
        int epochBefore = m.epoch;
        ConsumerGroupHeartbeatResponse r = m.heartbeat(second, groupId);
        assertEquals(ErrorCode.NONE, r.getError(), r.getErrorMessage());
        assertEquals(epochBefore, m.epoch);
        assertEquals(12, m.ownedCount());
    }

    @Test
    void memberStopsHeartbeating_itsPartitionsMoveWithinTheSessionTimeout_neverHeldTwice() throws Exception {
        startCluster();
        String groupId = "search";
        int c = coordinator(1, groupId, -1);
        Member a = new Member();
        Member b = new Member();
        Member d = new Member();
        List<Member> live = new ArrayList<>(List.of(a, b, d));
        GroupCoordinator coordinator = cluster.node(c).groupCoordinator();
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() -> {
            live.forEach(m -> m.heartbeat(c, groupId));
            assertHeldOnce(groupId, c);
            return live.stream().allMatch(m -> m.ownedCount() == 4);
        });
        GroupDescription described = group(c).describeGroups(DescribeGroupsRequest.newBuilder().addGroupIds(groupId).build())
            .getGroups(0);
        assertEquals("STABLE", described.getState());
        assertEquals(3, described.getMembersCount());
        assertEquals("range", described.getAssignor());

        live.remove(d); // d dies: no more heartbeats, no leave
        long stoppedAt = System.nanoTime();
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() -> {
            live.forEach(m -> m.heartbeat(c, groupId));
            assertHeldOnce(groupId, c);
            return live.stream().allMatch(m -> m.ownedCount() == 6);
        });
        long movedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stoppedAt);
        System.out.println("partitions of the dead member moved after " + movedMs + " ms (session 1500 ms)");
        assertEquals(ErrorCode.UNKNOWN_MEMBER_ID, d.heartbeat(c, groupId).getError(), "the dead member is fenced");
        assertTrue(coordinator.shards.values().stream().anyMatch(s -> s.loaded));

        // A graceful leave moves partitions at once.
        a.epoch = -1;
        assertEquals(ErrorCode.NONE, a.heartbeat(c, groupId).getError());
        Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50))
            .until(() -> b.heartbeat(c, groupId).getError() == ErrorCode.NONE && b.ownedCount() == 12);
    }

    /** From the coordinator's view: no partition in two members' assignment or revoking sets. */
    private void assertHeldOnce(String groupId, int c) {
        GroupDescription g = group(c).describeGroups(DescribeGroupsRequest.newBuilder().addGroupIds(groupId).build()).getGroups(0);
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        g.getMembersList().forEach(m -> {
            m.getAssignmentList().forEach(t -> t.getPartitionsList().forEach(p -> assertTrue(seen.add(p), p + " held twice: " + g)));
            m.getRevokingList().forEach(t -> t.getPartitionsList().forEach(p -> assertTrue(seen.add(p), p + " held twice: " + g)));
        });
    }
}
