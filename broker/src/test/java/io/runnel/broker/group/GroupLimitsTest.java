package io.runnel.broker.group;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.runnel.broker.node.TestCluster;
import io.runnel.proto.v1.ConsumerGroupHeartbeatRequest;
import io.runnel.proto.v1.ConsumerGroupHeartbeatResponse;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.FindCoordinatorRequest;
import io.runnel.proto.v1.GroupGrpc;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One member cannot stall a group coordinator or grow a group without bound (issue 14 item 6): one
 * real node, heartbeats over real gRPC.
 */
class GroupLimitsTest {
    /** 40 a's then a character the regex below cannot end on: java.util.regex tries ~C(40,12) splits (minutes). */
    private static final String TRAP_TOPIC = "a".repeat(40) + "-";

    @TempDir
    static Path tmp;
    private static TestCluster cluster;
    private static ManagedChannel channel;

    @BeforeAll
    static void start() throws IOException {
        cluster = TestCluster.start(tmp, 1, Map.of("offsets.topic.num.partitions", "1", "offsets.topic.replication.factor", "1",
            GroupSettings.MAX_SIZE, "2", GroupSettings.MAX_REGEX_LENGTH, "100"));
        cluster.createTopic(TRAP_TOPIC, 1, 1, Map.of());
        cluster.awaitLeadsAll(1, TRAP_TOPIC, 1);
        channel = NettyChannelBuilder.forAddress("127.0.0.1", cluster.clientPort(1)).usePlaintext().build();
        GroupGrpc.GroupBlockingStub group = GroupGrpc.newBlockingStub(channel);
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> group.findCoordinator(
            FindCoordinatorRequest.newBuilder().setGroupId("warm-up").build()).getError() == ErrorCode.NONE);
    }

    @AfterAll
    static void stop() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        cluster.close();
    }

    /** A join, retried while the coordinator is still loading; answered within 10 s or the test fails. */
    private static ConsumerGroupHeartbeatResponse join(String groupId, String memberId, String regex) {
        ConsumerGroupHeartbeatRequest.Builder request = ConsumerGroupHeartbeatRequest.newBuilder().setGroupId(groupId)
            .setMemberId(memberId).setMemberEpoch(0);
        if (regex == null) {
            request.addSubscribedTopics(TRAP_TOPIC);
        } else {
            request.setSubscribedTopicRegex(regex);
        }
        ConsumerGroupHeartbeatResponse[] last = new ConsumerGroupHeartbeatResponse[1];
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
            last[0] = GroupGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                .consumerGroupHeartbeat(request.build());
            return last[0].getError() != ErrorCode.COORDINATOR_LOAD_IN_PROGRESS
                && last[0].getError() != ErrorCode.COORDINATOR_NOT_AVAILABLE;
        });
        return last[0];
    }

    @Test
    void aJoinPastGroupMaxSize_isRefused_namingTheLimit_whileMembersMayRejoin() {
        String first = UUID.randomUUID().toString();
        assertEquals(ErrorCode.NONE, join("full", first, null).getError());
        assertEquals(ErrorCode.NONE, join("full", UUID.randomUUID().toString(), null).getError());

        ConsumerGroupHeartbeatResponse third = join("full", UUID.randomUUID().toString(), null);
        assertEquals(ErrorCode.GROUP_MAX_SIZE_REACHED, third.getError(), third.getErrorMessage());
        assertTrue(third.getErrorMessage().contains("group.max.size (2)"), third.getErrorMessage());
        assertEquals(ErrorCode.NONE, join("full", first, null).getError(), "a member already in the group rejoins");
    }

    @Test
    void aCatastrophicallyBacktrackingRegex_isMatchedInLinearTime_andAnOverlongOneIsRefused() {
        ConsumerGroupHeartbeatResponse trap = join("regex", UUID.randomUUID().toString(), "(.*a){12}b");
        assertEquals(ErrorCode.NONE, trap.getError(), trap.getErrorMessage());
        assertEquals(0, trap.getAssignmentCount(), "the topic does not match");
        ConsumerGroupHeartbeatResponse matching = join("regex2", UUID.randomUUID().toString(), "(.*a){12}-");
        assertEquals(ErrorCode.NONE, matching.getError(), matching.getErrorMessage());
        assertEquals(TRAP_TOPIC, matching.getAssignment(0).getTopic());

        ConsumerGroupHeartbeatResponse overlong = join("regex3", UUID.randomUUID().toString(), "a|".repeat(60) + "b");
        assertEquals(ErrorCode.INVALID_REGULAR_EXPRESSION, overlong.getError());
        assertTrue(overlong.getErrorMessage().contains("over the limit of 100 (group.subscription.regex.max.length)"),
            overlong.getErrorMessage());
    }
}
