package io.runnel.client.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runnel.broker.node.TestCluster;
import io.runnel.client.admin.PartitionLag;
import io.runnel.client.admin.ResetSpec;
import io.runnel.client.admin.RunnelAdmin;
import io.runnel.client.admin.RunnelAdmin.AdminException;
import io.runnel.client.common.Bootstrap;
import io.runnel.proto.v1.ConsumerGroupHeartbeatRequest;
import io.runnel.proto.v1.ConsumerGroupHeartbeatResponse;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.FindCoordinatorRequest;
import io.runnel.proto.v1.FindCoordinatorResponse;
import io.runnel.proto.v1.GroupGrpc;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16 item 4, delete a consumer group: refused with NON_EMPTY_GROUP (naming the members)
 * while the group has members, then deleted by the CLI; the deletion is tombstones in
 * {@code __consumer_offsets}, so after the coordinator restarts and replays its partition the
 * group stays gone while another group's offsets are still there. One real node.
 */
class GroupDeleteTest {
    private static final String TOPIC = "del-orders";

    @TempDir
    Path tmp;

    /** One heartbeat to the group's coordinator; epoch 0 joins, -1 leaves. */
    private static ConsumerGroupHeartbeatResponse heartbeat(Bootstrap channels, String group, String member, int epoch) {
        FindCoordinatorResponse c = GroupGrpc.newBlockingStub(channels.anyChannel())
            .findCoordinator(FindCoordinatorRequest.newBuilder().setGroupId(group).build());
        if (c.getError() != ErrorCode.NONE) {
            return ConsumerGroupHeartbeatResponse.newBuilder().setError(c.getError()).build();
        }
        ConsumerGroupHeartbeatRequest.Builder request = ConsumerGroupHeartbeatRequest.newBuilder().setGroupId(group)
            .setMemberId(member).setMemberEpoch(epoch);
        if (epoch == 0) {
            request.addSubscribedTopics(TOPIC);
        }
        return GroupGrpc.newBlockingStub(channels.channel(c.getCoordinator())).consumerGroupHeartbeat(request.build());
    }

    @Test
    void refusedWhileItHasMembers_thenDeleted_andStaysDeletedAfterTheCoordinatorReplaysItsLog() throws Exception {
        try (TestCluster cluster = TestCluster.start(tmp, 1, Map.of()); RunnelAdmin admin = new RunnelAdmin(cluster.bootstrap())) {
            String bootstrap = cluster.bootstrap();
            cluster.createTopic(TOPIC, 2, 1, Map.of());
            // Until the broker has opened the partitions as leader, ListOffsets (under resetOffsets) cannot answer.
            cluster.awaitLeadsAll(1, TOPIC, 2);
            admin.resetOffsets("doomed", TOPIC, ResetSpec.earliest(), true);
            admin.resetOffsets("kept", TOPIC, ResetSpec.earliest(), true);

            String member = UUID.randomUUID().toString();
            try (Bootstrap channels = new Bootstrap(bootstrap)) {
                Awaitility.await().atMost(Duration.ofSeconds(20))
                    .until(() -> heartbeat(channels, "doomed", member, 0).getError() == ErrorCode.NONE);
                AdminException refused = assertThrows(AdminException.class, () -> admin.deleteGroup("doomed"));
                assertEquals(ErrorCode.NON_EMPTY_GROUP, refused.code());
                assertTrue(refused.getMessage().contains(member) && refused.getMessage().contains("stop them"), refused.getMessage());
                StringWriter err = new StringWriter();
                assertEquals(1, Cli.run(bootstrap, new StringWriter(), err, "group", "delete", "doomed"));
                assertTrue(err.toString().contains("NON_EMPTY_GROUP"), err.toString());
                assertEquals(1, admin.describeGroup("doomed").members().size(), "a refused delete changes nothing");
                assertEquals(ErrorCode.NONE, heartbeat(channels, "doomed", member, -1).getError());
            }

            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            assertEquals(0, Cli.run(bootstrap, out, err, "group", "delete", "doomed"), err.toString());
            assertTrue(out.toString().contains("deleted group doomed"), out.toString());
            assertGone(admin, "doomed");
            assertEquals(1, Cli.run(bootstrap, new StringWriter(), err, "group", "delete", "doomed"), "deleting it again");
            assertTrue(err.toString().contains("GROUP_ID_NOT_FOUND"), err.toString());

            // The coordinator replays __consumer_offsets after a restart: the tombstones keep the group gone.
            cluster.halt(1);
            cluster.restart(1);
            cluster.awaitLiveBrokers(1);
            Awaitility.await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() ->
                admin.describeGroup("kept").partitions().stream().map(PartitionLag::committedOffset).toList().equals(List.of(0L, 0L)));
            assertGone(admin, "doomed");
        }
    }

    private static void assertGone(RunnelAdmin admin, String group) {
        AdminException e = assertThrows(AdminException.class, () -> admin.describeGroup(group));
        assertEquals(ErrorCode.GROUP_ID_NOT_FOUND, e.code());
        assertTrue(admin.listGroups().stream().noneMatch(g -> g.groupId().equals(group)), admin.listGroups().toString());
    }
}
