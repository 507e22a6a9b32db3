package io.runnel.broker.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runnel.broker.partition.Partition;
import io.runnel.broker.partition.TopicPartition;
import io.runnel.metadata.image.PartitionInfo;
import io.runnel.proto.v1.ErrorCode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14 item 1: a broker that comes back with an empty log directory under the same node id
 * must not lead a partition whose ISR had shrunk to it, or the followers truncate to its empty log.
 * Real three-node cluster: the ISR of two partitions (one with unclean election) shrinks to the
 * victim, the victim stops, its log directory is wiped (its Raft state, a separate concern, kept),
 * and it comes back.
 */
class LostLogDirectoryTest {
    private static final int RECORDS = 10;

    @TempDir
    Path tmp;
    private TestCluster cluster;
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void tearDown() {
        release.countDown();
        if (cluster != null) {
            cluster.close();
        }
    }

    private PartitionInfo partition(int asker, String topic) {
        return cluster.node(asker).controllerClient().image().topics().get(topic).partitions().get(0);
    }

    @Test
    void aBrokerBackWithAnEmptyDataDir_isNotElected_andNoAckedRecordIsLost() throws Exception {
        cluster = TestCluster.start(tmp, 3, Map.of());
        int victim = 1;
        int follower = 2;
        int witness = 3;
        // Both topics on brokers 1 and 2 (placement is deterministic: least-loaded leader, then
        // follower, lowest id first; a one-replica topic on broker 3 in between makes it so).
        cluster.createTopic("clean", 1, 2, Map.of());
        cluster.createTopic("filler", 1, 1, Map.of());
        cluster.createTopic("unclean", 1, 2, Map.of("unclean.leader.election.enable", "true"));
        for (String topic : List.of("clean", "unclean")) {
            assertEquals(Set.of(victim, follower), Set.copyOf(partition(witness, topic).replicas()));
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> partition(witness, topic).isr().size() == 2
                && cluster.node(partition(witness, topic).leader()).replicaManager().partition(new TopicPartition(topic, 0))
                    .map(Partition::isLeader).orElse(false));
        }
        Records records = new Records(cluster);
        List<String> acked = new ArrayList<>();
        for (int i = 0; i < RECORDS; i++) {
            for (String topic : List.of("clean", "unclean")) {
                assertEquals(ErrorCode.NONE, records.produceAcksAll(partition(witness, topic).leader(), topic, "r" + i),
                    topic + " " + i);
            }
            acked.add("r" + i);
        }

        // The follower stops: the ISRs shrink to the victim.
        cluster.halt(follower);
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() ->
            partition(witness, "clean").isr().equals(List.of(victim)) && partition(witness, "unclean").isr().equals(List.of(victim)));
        // It comes back, held behind on metadata (registered, fenced), so it cannot rejoin the ISR.
        cluster.restart(follower, image -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> cluster.node(follower).controllerClient().brokerEpoch() >= 0);
        // The victim stops: it stays the last ISR member, partitions offline.
        cluster.halt(victim);
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> partition(witness, "clean").leader() == PartitionInfo.NO_LEADER
            && partition(witness, "unclean").leader() == PartitionInfo.NO_LEADER);
        release.countDown();
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> cluster.node(follower).controllerClient().readiness().isReady());

        // The victim's disk is replaced: an empty log directory under the same node id.
        wipeLogDirectory(cluster.dataDir(victim));
        cluster.restart(victim);
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> cluster.node(victim).controllerClient().readiness().isReady()
            && cluster.node(witness).controllerClient().image().liveBrokers().stream().anyMatch(b -> b.id() == victim));

        // Only it was in sync, and it holds nothing: the partition stays offline rather than be led by it.
        PartitionInfo clean = partition(witness, "clean");
        assertNotEquals(victim, clean.leader(), "the wiped broker was elected: " + clean);
        assertFalse(clean.isr().contains(victim), clean.toString());
        assertEquals(RECORDS, cluster.logEndOffset(follower, "clean", 0), "the follower's copy is intact");

        // With unclean election the live follower leads; the wiped broker follows and rejoins once caught up.
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> partition(witness, "unclean").leader() == follower);
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> partition(witness, "unclean").isr().contains(victim));
        assertTrue(cluster.logEndOffset(victim, "unclean", 0) >= RECORDS, "it joined the ISR only once caught up");
        assertEquals(acked, records.readAll(follower, "unclean", RECORDS), "no acknowledged record is lost");
    }

    /** Deletes everything in a node's data dir but its Raft state: the log directory is lost. */
    private static void wipeLogDirectory(Path dataDir) throws IOException {
        try (Stream<Path> all = Files.walk(dataDir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                if (!p.equals(dataDir) && !dataDir.relativize(p).startsWith("__raft")) {
                    Files.delete(p);
                }
            }
        }
    }
}
