package io.runnel.client.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runnel.broker.node.SharedNode;
import io.runnel.broker.node.TestCluster;
import io.runnel.client.admin.GroupDescription;
import io.runnel.client.admin.GroupListing;
import io.runnel.client.admin.PartitionLag;
import io.runnel.client.admin.ResetSpec;
import io.runnel.client.admin.RunnelAdmin;
import io.runnel.client.admin.RunnelAdmin.AdminException;
import io.runnel.client.cli.RunnelCli;
import io.runnel.client.common.Bootstrap;
import io.runnel.client.common.TopicPartition;
import io.runnel.client.producer.ProducerConfig;
import io.runnel.client.producer.ProducerRecord;
import io.runnel.client.producer.RunnelProducer;
import io.runnel.proto.v1.ConsumerGroupHeartbeatRequest;
import io.runnel.proto.v1.ConsumerGroupHeartbeatResponse;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.FindCoordinatorRequest;
import io.runnel.proto.v1.FindCoordinatorResponse;
import io.runnel.proto.v1.GroupGrpc;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Group administration (list, describe with lag, reset offsets) and the {@code runnel group}
 * commands against a real single-node cluster in this JVM, whose broker coordinates the groups.
 *
 * <p>Each test uses its own topic and group ids, so they share one node without interfering.
 */
@ExtendWith(SharedNode.class)
class GroupAdminTest {
    private static TestCluster cluster;
    private static String bootstrap;
    private static RunnelAdmin admin;

    @BeforeAll
    static void startNode(TestCluster shared) {
        cluster = shared;
        bootstrap = cluster.bootstrap();
        admin = new RunnelAdmin(bootstrap);
    }

    @AfterAll
    static void stopNode() {
        admin.close();
    }

    /** Creates {@code topic} and writes {@code counts[p]} records to partition p, record i stamped {@code 1000 * (i + 1)}. */
    private static void topicWithRecords(String topic, int... counts) {
        // Waits until the broker hosts every partition, not only until the controller names its leader:
        // partition 2 gets no record, so nothing else would wait for the broker to open it.
        cluster.createTopic(topic, counts.length, 1, Map.of());
        try (RunnelProducer producer = new RunnelProducer(ProducerConfig.defaults(bootstrap))) {
            for (int p = 0; p < counts.length; p++) {
                for (int i = 0; i < counts[p]; i++) {
                    producer.send(new ProducerRecord(topic, p, 1000L * (i + 1), null, ("v" + i).getBytes(), null));
                }
            }
            producer.flush();
        }
    }

    private static Map<Integer, Long> byPartition(Map<TopicPartition, Long> offsets) {
        Map<Integer, Long> out = new java.util.TreeMap<>();
        offsets.forEach((tp, o) -> out.put(tp.partition(), o));
        return out;
    }

    private static int cli(StringWriter out, StringWriter err, String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "--bootstrap";
        all[1] = bootstrap;
        System.arraycopy(args, 0, all, 2, args.length);
        return RunnelCli.run(all, new PrintWriter(out, true), new PrintWriter(err, true));
    }

    @Test
    void resetToOffset_execute_describeShowsCommittedOffsetsAndLag() {
        topicWithRecords("lag-orders", 10, 5, 0);

        Map<TopicPartition, Long> plan = admin.resetOffsets("lag-app", "lag-orders", ResetSpec.toOffset(4), true);

        // Partition 2 is empty, so 4 is clamped to its latest offset, 0.
        assertEquals(Map.of(0, 4L, 1, 4L, 2, 0L), byPartition(plan));
        GroupDescription d = admin.describeGroup("lag-app");
        assertEquals("lag-app", d.groupId());
        assertEquals("EMPTY", d.state());
        assertEquals(List.of(), d.members());
        assertEquals(List.of(
            new PartitionLag(new TopicPartition("lag-orders", 0), 4, 10, ""),
            new PartitionLag(new TopicPartition("lag-orders", 1), 4, 5, ""),
            new PartitionLag(new TopicPartition("lag-orders", 2), 0, 0, "")), d.partitions());
        assertEquals(List.of(6L, 1L, 0L), d.partitions().stream().map(PartitionLag::lag).toList());
    }

    @Test
    void listGroups_includesAGroupWithCommittedOffsets() {
        topicWithRecords("list-orders", 3);
        admin.resetOffsets("list-app", "list-orders", ResetSpec.earliest(), true);

        GroupListing listed = admin.listGroups().stream().filter(g -> g.groupId().equals("list-app")).findFirst()
            .orElseThrow(() -> new AssertionError("list-app not in " + admin.listGroups()));
        assertEquals(new GroupListing("list-app", "EMPTY", 0, 1), listed);
    }

    @Test
    void dryRun_commitsNothing() {
        topicWithRecords("dry-orders", 7, 2);
        admin.resetOffsets("dry-app", "dry-orders", ResetSpec.earliest(), true);

        Map<TopicPartition, Long> plan = admin.resetOffsets("dry-app", "dry-orders", ResetSpec.latest(), false);

        assertEquals(Map.of(0, 7L, 1, 2L), byPartition(plan));
        assertEquals(List.of(0L, 0L), admin.describeGroup("dry-app").partitions().stream().map(PartitionLag::committedOffset).toList());
        admin.resetOffsets("never-committed", "dry-orders", ResetSpec.latest(), false);
        AdminException e = assertThrows(AdminException.class, () -> admin.describeGroup("never-committed"));
        assertEquals(ErrorCode.GROUP_ID_NOT_FOUND, e.code());
    }

    @Test
    void resetToTimestamp_firstRecordAtOrAfter_elseLatest() {
        topicWithRecords("time-orders", 5, 2);

        // Records are stamped 1000, 2000, ...: 2500 falls before the third record of partition 0,
        // and after every record of partition 1.
        Map<TopicPartition, Long> plan = admin.resetOffsets("time-app", "time-orders", ResetSpec.toTimestamp(2500), true);

        assertEquals(Map.of(0, 2L, 1, 2L), byPartition(plan));
        assertEquals(Map.of(0, 0L, 1, 0L), byPartition(admin.resetOffsets("time-app", "time-orders", ResetSpec.toTimestamp(0), false)));
    }

    @Test
    void resetToEarliestAndLatest() {
        topicWithRecords("ends-orders", 3, 4);

        assertEquals(Map.of(0, 3L, 1, 4L), byPartition(admin.resetOffsets("ends-app", "ends-orders", ResetSpec.latest(), true)));
        assertEquals(List.of(0L, 0L), admin.describeGroup("ends-app").partitions().stream().map(PartitionLag::lag).toList());
        assertEquals(Map.of(0, 0L, 1, 0L), byPartition(admin.resetOffsets("ends-app", "ends-orders", ResetSpec.earliest(), true)));
        assertEquals(List.of(3L, 4L), admin.describeGroup("ends-app").partitions().stream().map(PartitionLag::lag).toList());
    }

    @Test
    void badArguments_nameTheProblem() {
        topicWithRecords("bad-orders", 1);

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> admin.resetOffsets("", "bad-orders", ResetSpec.earliest(), false));
        assertTrue(e.getMessage().contains("group id"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> admin.resetOffsets("bad-app", "no-such-topic", ResetSpec.earliest(), false));
        assertTrue(e.getMessage().contains("'no-such-topic' does not exist"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ResetSpec.toOffset(-1));
        assertTrue(e.getMessage().contains("-1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ResetSpec.toTimestamp(-3));
        assertTrue(e.getMessage().contains("-3"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> admin.resetOffsets("bad-app", "bad-orders", null, false));
        assertTrue(e.getMessage().contains("spec"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> admin.describeGroup(" "));
        assertTrue(e.getMessage().contains("group id"), e.getMessage());
        AdminException unknown = assertThrows(AdminException.class, () -> admin.describeGroup("no-such-group"));
        assertEquals(ErrorCode.GROUP_ID_NOT_FOUND, unknown.code());
        assertTrue(unknown.getMessage().contains("'no-such-group' does not exist"), unknown.getMessage());
    }

    @Test
    void groupWithAMember_describeShowsIt_andResetIsRefused() {
        topicWithRecords("member-orders", 4, 4);
        admin.resetOffsets("member-app", "member-orders", ResetSpec.toOffset(1), true);
        String memberId = UUID.randomUUID().toString();
        // A member joins through the protocol itself, so this test needs no consumer implementation.
        try (Bootstrap channels = new Bootstrap(bootstrap)) {
            AtomicReference<ConsumerGroupHeartbeatResponse> joined = new AtomicReference<>();
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> {
                FindCoordinatorResponse c = GroupGrpc.newBlockingStub(channels.anyChannel())
                    .findCoordinator(FindCoordinatorRequest.newBuilder().setGroupId("member-app").build());
                if (c.getError() != ErrorCode.NONE) {
                    return false;
                }
                ConsumerGroupHeartbeatResponse r = GroupGrpc.newBlockingStub(channels.channel(c.getCoordinator()))
                    .consumerGroupHeartbeat(ConsumerGroupHeartbeatRequest.newBuilder().setGroupId("member-app")
                        .setMemberId(memberId).setMemberEpoch(0).addSubscribedTopics("member-orders").setClientId("cli-test").build());
                joined.set(r);
                return r.getError() == ErrorCode.NONE;
            });
            assertEquals(2, joined.get().getAssignment(0).getPartitionsCount(), "the only member gets both partitions");

            GroupDescription d = admin.describeGroup("member-app");
            assertEquals(1, d.members().size());
            assertEquals(memberId, d.members().get(0).memberId());
            assertEquals("cli-test", d.members().get(0).clientId());
            assertEquals(List.of("member-orders"), d.members().get(0).subscribedTopics());
            assertEquals(List.of(memberId, memberId), d.partitions().stream().map(PartitionLag::memberId).toList());
            assertEquals(List.of(3L, 3L), d.partitions().stream().map(PartitionLag::lag).toList());
            StringWriter out = new StringWriter();
            assertEquals(0, cli(out, new StringWriter(), "group", "describe", "member-app"));
            assertTrue(out.toString().lines().anyMatch(l -> List.of(l.split("\\s+")).equals(List.of("member-orders", "1", "1", "4", "3",
                memberId))), out.toString());
            assertTrue(out.toString().lines().anyMatch(l -> List.of(l.split("\\s+")).equals(List.of(memberId, "cli-test",
                Integer.toString(d.members().get(0).memberEpoch()), "member-orders", "member-orders-0,member-orders-1", "-"))),
                out.toString());

            AdminException refused = assertThrows(AdminException.class,
                () -> admin.resetOffsets("member-app", "member-orders", ResetSpec.earliest(), true));
            assertEquals(ErrorCode.NON_EMPTY_GROUP, refused.code());
            assertTrue(refused.getMessage().contains("stop its consumers"), refused.getMessage());
            // The dry run still works while members run: it only reads.
            assertEquals(Map.of(0, 0L, 1, 0L), byPartition(admin.resetOffsets("member-app", "member-orders", ResetSpec.earliest(), false)));

            FindCoordinatorResponse c = GroupGrpc.newBlockingStub(channels.anyChannel())
                .findCoordinator(FindCoordinatorRequest.newBuilder().setGroupId("member-app").build());
            ConsumerGroupHeartbeatResponse left = GroupGrpc.newBlockingStub(channels.channel(c.getCoordinator()))
                .consumerGroupHeartbeat(ConsumerGroupHeartbeatRequest.newBuilder().setGroupId("member-app")
                    .setMemberId(memberId).setMemberEpoch(-1).build());
            assertEquals(ErrorCode.NONE, left.getError(), left.getErrorMessage());
        }
        // Once the member has left, the reset goes through.
        admin.resetOffsets("member-app", "member-orders", ResetSpec.earliest(), true);
        assertEquals(List.of(0L, 0L), admin.describeGroup("member-app").partitions().stream().map(PartitionLag::committedOffset).toList());
    }

    @Test
    void cli_listDescribeReset() {
        topicWithRecords("cli-orders", 6, 3);

        StringWriter out = new StringWriter();
        assertEquals(0, cli(out, new StringWriter(), "group", "reset-offsets", "--group", "cli-app", "--topic", "cli-orders",
            "--to-offset", "2"));
        assertTrue(out.toString().contains("dry run"), out.toString());
        assertEquals(1, cli(new StringWriter(), new StringWriter(), "group", "describe", "cli-app"), "dry run created no group");

        out = new StringWriter();
        assertEquals(0, cli(out, new StringWriter(), "group", "reset-offsets", "--group", "cli-app", "--topic", "cli-orders",
            "--to-offset", "2", "--execute"));
        assertTrue(out.toString().contains("committed 2 offsets for group cli-app"), out.toString());

        out = new StringWriter();
        assertEquals(0, cli(out, new StringWriter(), "group", "describe", "cli-app"));
        List<String> lines = out.toString().lines().toList();
        assertTrue(lines.get(0).startsWith("group cli-app: EMPTY"), lines.get(0));
        assertEquals(List.of("TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", "MEMBER-ID"),
            List.of(lines.get(2).split("\\s+")));
        assertEquals(List.of("cli-orders", "0", "2", "6", "4", "-"), List.of(lines.get(3).split("\\s+")));
        assertEquals(List.of("cli-orders", "1", "2", "3", "1", "-"), List.of(lines.get(4).split("\\s+")));

        out = new StringWriter();
        assertEquals(0, cli(out, new StringWriter(), "group", "list"));
        assertTrue(out.toString().lines().anyMatch(l -> List.of(l.split("\\s+")).equals(List.of("cli-app", "EMPTY", "0", "1"))),
            out.toString());

        StringWriter err = new StringWriter();
        assertEquals(1, cli(new StringWriter(), err, "group", "reset-offsets", "--group", "cli-app", "--topic", "nope",
            "--to-earliest"));
        assertTrue(err.toString().contains("'nope' does not exist"), err.toString());
    }

    @Test
    void cli_consumeWithGroup_resumesAfterWhatWasPrinted() {
        // One partition written in one batch: the first poll returns all six records, and the
        // four not printed must not be committed.
        topicWithRecords("cg-orders", 6);

        StringWriter first = new StringWriter();
        assertEquals(0, cli(first, new StringWriter(), "consume", "cg-orders", "--group", "cg-app", "--from-beginning",
            "--max-messages", "2", "--timeout-ms", "20000"));
        assertEquals(List.of("v0", "v1"), first.toString().lines().toList());
        GroupDescription d = admin.describeGroup("cg-app");
        assertEquals(List.of(new PartitionLag(new TopicPartition("cg-orders", 0), 2, 6, "")), d.partitions());
        assertEquals("EMPTY", d.state(), "close() left the group");

        StringWriter second = new StringWriter();
        assertEquals(0, cli(second, new StringWriter(), "consume", "cg-orders", "--group", "cg-app",
            "--max-messages", "4", "--timeout-ms", "20000"));
        assertEquals(List.of("v2", "v3", "v4", "v5"), second.toString().lines().toList(), "resumed after what was printed");
        assertEquals(List.of(0L), admin.describeGroup("cg-app").partitions().stream().map(PartitionLag::lag).toList());

        StringWriter err = new StringWriter();
        assertEquals(2, cli(new StringWriter(), err, "consume", "cg-orders", "--group", "cg-app", "--partition", "0"));
        assertTrue(err.toString().contains("cannot be combined with --partition"), err.toString());
    }
}
