package io.runnel.client.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runnel.broker.node.TestCluster;
import io.runnel.broker.replica.ReassignmentThrottle;
import io.runnel.client.admin.MoveRefusal;
import io.runnel.client.admin.PartitionMove;
import io.runnel.client.admin.Reassignment;
import io.runnel.client.admin.RunnelAdmin;
import io.runnel.client.common.TopicPartition;
import io.runnel.client.producer.ProducerConfig;
import io.runnel.client.producer.ProducerRecord;
import io.runnel.client.producer.RunnelProducer;
import io.runnel.proto.v1.BrokerGrpc;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.FetchPartition;
import io.runnel.proto.v1.FetchPartitionResponse;
import io.runnel.proto.v1.FetchRequest;
import io.runnel.proto.v1.FetchTopic;
import io.runnel.proto.v1.PartitionRegistration;
import io.runnel.proto.v1.TopicImage;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16 item 4, reassign partitions with a throttle and cancel: three real nodes, a partition
 * with two replicas moved to the third broker. The leader holds the added replica to the throttle
 * (seen on the throttle's own counters: fetches held back, bytes sent under it) and never the
 * other follower; {@code --list} shows the move; a cancel returns the partition to its original
 * replicas, the added one drops its copy, and every record acknowledged with acks=all, one of them
 * during the move, is still read. An unhindered move completes and its throttle ends with it.
 */
class PartitionReassignmentTest {
    private static final byte[] KILOBYTE = new byte[1024];

    /** One cluster for both tests (each uses its own topic): a cluster start costs more than either test. */
    @TempDir
    static Path tmp;
    private static TestCluster cluster;
    private static RunnelAdmin admin;
    private static RunnelProducer producer;

    @BeforeAll
    static void start() throws Exception {
        cluster = TestCluster.start(tmp, 3, Map.of());
        admin = new RunnelAdmin(cluster.bootstrap());
        producer = new RunnelProducer(ProducerConfig.defaults(cluster.bootstrap()).withAcks(-1));
    }

    @AfterAll
    static void stop() {
        producer.close();
        admin.close();
        cluster.close();
    }

    private static PartitionRegistration partition(String topic) {
        return partitionOf(topic, 0);
    }

    /** Records of 1 KB, each sent alone and acknowledged by every ISR member (one batch each). */
    private static void produce(String topic, String prefix, int count) throws Exception {
        produce(topic, 0, prefix, count);
    }

    private static void produce(String topic, int partition, String prefix, int count) throws Exception {
        for (int i = 0; i < count; i++) {
            byte[] value = Arrays.copyOf((prefix + i + ":").getBytes(StandardCharsets.UTF_8), KILOBYTE.length);
            producer.send(new ProducerRecord(topic, partition, 0L, null, value, null)).get();
        }
    }

    private static List<String> readAll(String topic, int broker) {
        FetchPartitionResponse r = BrokerGrpc.newBlockingStub(cluster.clientChannel(broker)).fetch(FetchRequest.newBuilder()
            .setRecordsAsMessages(true).addTopics(FetchTopic.newBuilder().setTopic(topic).addPartitions(FetchPartition.newBuilder()
                .setPartition(0).setFetchOffset(0).setCurrentLeaderEpoch(-1).setPartitionMaxBytes(1 << 20))).build())
            .getTopics(0).getPartitions(0);
        assertEquals(ErrorCode.NONE, r.getError(), r.getErrorMessage());
        return r.getRecords().getRecordsList().stream().map(rec -> rec.getValue().toStringUtf8().split(":")[0]).toList();
    }

    /** Whether {@code broker} holds a copy of the topic's partition 0 (the broker's own TopicPartition, not the client's). */
    private static boolean hosts(int broker, String topic) {
        return cluster.node(broker).replicaManager().partition(new io.runnel.broker.partition.TopicPartition(topic, 0)).isPresent();
    }

    private static ReassignmentThrottle throttle(int broker) {
        return cluster.node(broker).replicaManager().reassignmentThrottle();
    }

    @Test
    void throttledMove_holdsBackOnlyTheAddedReplica_andACancelReturnsToTheOriginalReplicasWithEveryAcknowledgedRecord()
            throws Exception {
        String topic = "cancelled";
        String bootstrap = cluster.bootstrap();
        cluster.createTopic(topic, 1, 2, Map.of("min.insync.replicas", "2"));
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> partition(topic).getIsrCount() == 2);
        PartitionRegistration before = partition(topic);
        int leader = before.getLeader();
        int follower = before.getReplicasList().stream().filter(r -> r != leader).findFirst().orElseThrow();
        int added = IntStream.rangeClosed(1, 3).filter(b -> !before.getReplicasList().contains(b)).findFirst().orElseThrow();
        produce(topic, "before", 40);
        // The throttle's counters are the broker's, since start: the other test may have added to them.
        long heldBefore = throttle(leader).heldBackFetches();
        long addedBefore = throttle(leader).throttledBytes(added);
        long followerBefore = throttle(leader).throttledBytes(follower);

        // 40 KB at 500 bytes/s: the added replica needs over a minute to catch up, so the move stays under way.
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String target = leader + "," + added;
        assertEquals(0, Cli.run(bootstrap, out, err, "partition", "reassign", "--topic", topic, "--partition", "0",
            "--replicas", target, "--throttle", "500"), err.toString());
        assertTrue(out.toString().contains(topic + "-0: moving to [" + leader + ", " + added + "], throttled to 500 bytes/s"),
            out.toString());
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> throttle(leader).heldBackFetches() > heldBefore);
        assertTrue(throttle(leader).throttledBytes(added) > addedBefore, "the added replica fetched under the throttle");
        assertTrue(cluster.logEndOffset(added, topic, 0) < 40, "held back: " + cluster.logEndOffset(added, topic, 0));

        // acks=all during the move: the ISR (leader and the original follower) takes it, unthrottled.
        produce(topic, "during", 1);
        assertEquals(followerBefore, throttle(leader).throttledBytes(follower), "the original follower is never throttled");

        out = new StringWriter();
        assertEquals(0, Cli.run(bootstrap, out, err, "partition", "reassign", "--list"), err.toString());
        assertTrue(out.toString().contains(topic + "-0: " + before.getReplicasList() + " -> [" + leader + ", " + added
            + "], adding [" + added + "]"), out.toString());
        assertTrue(out.toString().contains("throttle 500 bytes/s") && out.toString().contains("1 reassignment(s) in progress"),
            out.toString());
        err = new StringWriter();
        assertEquals(1, Cli.run(bootstrap, new StringWriter(), err, "partition", "reassign", "--topic", topic, "--partition",
            "0", "--replicas", String.valueOf(added)));
        assertTrue(err.toString().contains("already being moved"), err.toString());

        out = new StringWriter();
        err = new StringWriter();
        assertEquals(0, Cli.run(bootstrap, out, err, "partition", "reassign", "--topic", topic, "--partition", "0", "--cancel"),
            err.toString());
        assertTrue(out.toString().contains(topic + "-0: move cancelled"), out.toString());
        PartitionRegistration after = partition(topic);
        assertEquals(before.getReplicasList(), after.getReplicasList());
        assertTrue(before.getReplicasList().containsAll(after.getIsrList()), "the added replica is not in the ISR: " + after);
        assertEquals(0, after.getTargetReplicasCount());
        assertEquals(List.of(), admin.listReassignments());
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() ->
            !hosts(added, topic) && throttle(leader).settings().isEmpty());

        List<String> expected = new ArrayList<>(IntStream.range(0, 40).mapToObj(i -> "before" + i).toList());
        expected.add("during0");
        int leaderAfter = after.getLeader();
        assertEquals(expected, readAll(topic, leaderAfter));
        produce(topic, "after", 1); // both original replicas are back in sync for acks=all
        assertEquals(41, readAll(topic, leaderAfter).indexOf("after0"));

        err = new StringWriter();
        assertEquals(1, Cli.run(bootstrap, new StringWriter(), err, "partition", "reassign", "--topic", topic, "--partition",
            "0", "--cancel"));
        assertTrue(err.toString().contains("is not being moved"), err.toString());
        assertEquals(2, Cli.run(bootstrap, new StringWriter(), new StringWriter(), "partition", "reassign", "--topic", topic,
            "--partition", "0", "--replicas", target, "--cancel"), "--replicas with --cancel is a usage error");
    }

    @Test
    void aMoveWithinItsThrottleCompletes_andTheThrottleEndsWithIt() throws Exception {
        String topic = "completed";
        cluster.createTopic(topic, 1, 1, Map.of());
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> partition(topic).getLeader() > 0);
        int from = partition(topic).getLeader();
        int to = from % 3 + 1;
        produce(topic, "r", 20);
        long sentBefore = throttle(from).throttledBytes(to);

        admin.reassignPartition(topic, 0, List.of(to), 10 << 20);
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> partition(topic).getReplicasList().equals(List.of(to))
            && partition(topic).getLeader() == to);
        assertEquals(List.of(), admin.listReassignments());
        assertTrue(throttle(from).throttledBytes(to) - sentBefore >= 20 * KILOBYTE.length,
            "the added replica's catch-up went through the throttle");
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !hosts(from, topic));
        assertEquals(Map.of(), throttle(from).settings());
        assertEquals(IntStream.range(0, 20).mapToObj(i -> "r" + i).collect(Collectors.toList()), readAll(topic, to));
    }

    /**
     * Several partitions moved in one call (--move and --moves-file) are one metadata batch: a list
     * with one bad move (a partition that does not exist, a broker that is not live) changes
     * nothing and names the bad move; a good list moves every partition. Cancelling several is
     * likewise all or nothing. A malformed move or a partition named twice is refused before
     * anything is sent.
     */
    @Test
    void severalMovesInOneCall_areAllOrNothing_namingTheRefusedMove() throws Exception {
        String topic = "several";
        createSingleReplicaPartitions(topic, 3);
        List<List<Integer>> before = IntStream.range(0, 3).mapToObj(p -> partitionOf(topic, p).getReplicasList()).toList();
        List<Integer> to = before.stream().map(r -> r.get(0) % 3 + 1).toList();
        Path file = tmp.resolve("moves.txt");
        Files.writeString(file, "# partition 1\n" + topic + ":1=" + to.get(1) + "\n\n");
        String bootstrap = cluster.bootstrap();

        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        assertEquals(1, Cli.run(bootstrap, out, err, "partition", "reassign", "--move", topic + ":0=" + to.get(0), "--move",
            topic + ":7=1", "--moves-file", file.toString()), err.toString());
        assertTrue(err.toString().contains(topic + "-7: refused: UNKNOWN_TOPIC_OR_PARTITION")
            && err.toString().contains("nothing moved: 1 of 3 move(s) refused"), err.toString());
        assertEquals(List.of(), admin.listReassignments(), "no move started");
        assertEquals(before, IntStream.range(0, 3).mapToObj(p -> partitionOf(topic, p).getReplicasList()).toList());

        List<MoveRefusal> refused = admin.reassignPartitions(List.of(new PartitionMove(topic, 0, List.of(to.get(0))),
            new PartitionMove(topic, 2, List.of(9))), 0);
        assertEquals(1, refused.size(), refused.toString());
        assertEquals(new TopicPartition(topic, 2), refused.get(0).partition());
        assertEquals(ErrorCode.INVALID_REQUEST, refused.get(0).error());
        assertTrue(refused.get(0).message().contains("broker 9 is not a live broker"), refused.get(0).message());
        assertEquals(List.of(), admin.listReassignments(), "no move started");
        assertEquals(before, IntStream.range(0, 3).mapToObj(p -> partitionOf(topic, p).getReplicasList()).toList());

        out = new StringWriter();
        err = new StringWriter();
        assertEquals(0, Cli.run(bootstrap, out, err, "partition", "reassign", "--move", topic + ":0=" + to.get(0), "--move",
            topic + ":2=" + to.get(2), "--moves-file", file.toString()), err.toString());
        assertTrue(out.toString().contains("3 move(s) started"), out.toString());
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> IntStream.range(0, 3).allMatch(p ->
            partitionOf(topic, p).getReplicasList().equals(List.of(to.get(p)))));

        assertEquals(2, Cli.run(bootstrap, new StringWriter(), new StringWriter(), "partition", "reassign", "--move", topic + "=1"));
        IllegalArgumentException twice = assertThrows(IllegalArgumentException.class, () -> admin.reassignPartitions(
            List.of(new PartitionMove(topic, 0, List.of(1)), PartitionMove.parse(topic + ":0=2")), 0));
        assertEquals(topic + "-0 is moved twice in one reassignment", twice.getMessage());
        assertEquals(List.of(), admin.listReassignments());
    }

    /** Two throttled moves under way: a cancel naming one partition not being moved cancels neither; then both at once. */
    @Test
    void cancellingSeveralMoves_isAllOrNothing() throws Exception {
        String topic = "cancel-several";
        createSingleReplicaPartitions(topic, 3);
        List<PartitionMove> moves = new ArrayList<>();
        for (int p = 0; p < 2; p++) {
            produce(topic, p, "r", 40);
            moves.add(new PartitionMove(topic, p, List.of(partitionOf(topic, p).getLeader() % 3 + 1)));
        }
        // 40 KB at 500 bytes/s: both moves stay under way.
        assertEquals(List.of(), admin.reassignPartitions(moves, 500));
        assertEquals(2, admin.listReassignments().size());

        StringWriter err = new StringWriter();
        assertEquals(1, Cli.run(cluster.bootstrap(), new StringWriter(), err, "partition", "reassign", "--cancel", "--move",
            topic + ":0", "--move", topic + ":2", "--move", topic + ":1=7"), err.toString());
        assertTrue(err.toString().contains(topic + "-2: refused: INVALID_REQUEST: partition " + topic + "-2 is not being moved")
            && err.toString().contains("nothing cancelled: 1 of 3"), err.toString());
        assertEquals(2, admin.listReassignments().size(), "neither move was cancelled");

        StringWriter out = new StringWriter();
        assertEquals(0, Cli.run(cluster.bootstrap(), out, err, "partition", "reassign", "--cancel", "--move", topic + ":0",
            "--move", topic + ":1=7"), err.toString());
        assertTrue(out.toString().contains("2 move(s) cancelled"), out.toString());
        assertEquals(List.of(), admin.listReassignments());
        assertEquals(List.of(new MoveRefusal(new TopicPartition(topic, 0), ErrorCode.INVALID_REQUEST, "partition " + topic
            + "-0 is not being moved")), admin.cancelReassignments(List.of(new TopicPartition(topic, 0))));
        StringWriter usage = new StringWriter();
        assertEquals(2, Cli.run(cluster.bootstrap(), new StringWriter(), usage, "partition", "reassign", "--cancel", "--move", topic));
        assertTrue(usage.toString().contains("a partition to cancel is TOPIC:PARTITION"), usage.toString());
    }

    /** A topic of {@code count} partitions with one replica each, once every partition has a leader. */
    private static void createSingleReplicaPartitions(String topic, int count) {
        cluster.createTopic(topic, count, 1, Map.of());
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> IntStream.range(0, count).allMatch(p ->
            partitionOf(topic, p).getLeader() > 0));
    }

    private static PartitionRegistration partitionOf(String topic, int partition) {
        return admin.describeCluster().getImage().getTopicsList().stream().filter(t -> t.getName().equals(topic))
            .findFirst().map(TopicImage::getPartitionsList).orElseThrow().get(partition);
    }
}
