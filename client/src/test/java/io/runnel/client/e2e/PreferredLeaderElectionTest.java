package io.runnel.client.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runnel.broker.node.TestCluster;
import io.runnel.client.admin.LeaderElection;
import io.runnel.client.admin.RunnelAdmin;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.PartitionRegistration;
import io.runnel.proto.v1.TopicImage;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16 item 4, "leadership never returns": after a node restarts, the others lead its
 * partitions until something moves leadership back to the preferred replicas (the first of each
 * assignment). Three real nodes, a topic of 6 partitions with 3 replicas (so each node is
 * preferred for 2), one node halted and restarted; then leadership returns by the CLI and the
 * admin client, and, in a cluster with a short check interval, by itself.
 */
class PreferredLeaderElectionTest {
    private static final String TOPIC = "rolling";
    private static final int VICTIM = 2;

    @TempDir
    Path tmp;

    private static List<PartitionRegistration> partitions(RunnelAdmin admin) {
        return admin.describeCluster().getImage().getTopicsList().stream().filter(t -> t.getName().equals(TOPIC))
            .findFirst().map(TopicImage::getPartitionsList).orElseThrow();
    }

    private static boolean ledByPreferred(List<PartitionRegistration> partitions) {
        return partitions.stream().allMatch(p -> p.getLeader() == p.getReplicas(0));
    }

    /**
     * Halts the victim, waits until the others lead its preferred partitions, restarts it and waits
     * until it is back in every ISR. Then no partition is led by the victim: the imbalance to fix.
     */
    private static void restartVictim(TestCluster cluster, RunnelAdmin admin) throws IOException {
        List<PartitionRegistration> before = partitions(admin);
        assertEquals(2, before.stream().filter(p -> p.getReplicas(0) == VICTIM).count(), "placement: 2 preferred per node");
        cluster.halt(VICTIM);
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> partitions(admin).stream()
            .noneMatch(p -> p.getLeader() == VICTIM || p.getLeader() < 0));
        cluster.restart(VICTIM);
        cluster.awaitLiveBrokers(3);
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> partitions(admin).stream()
            .allMatch(p -> p.getIsrCount() == 3));
    }

    @Test
    void afterARestart_theCliAndTheAdminClientMoveLeadershipBackToThePreferredReplicas() throws Exception {
        try (TestCluster cluster = TestCluster.start(tmp, 3, Map.of("auto.leader.rebalance.enable", "false"));
             RunnelAdmin admin = new RunnelAdmin(cluster.bootstrap())) {
            cluster.createTopic(TOPIC, 6, 3, Map.of());
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> ledByPreferred(partitions(admin)));
            restartVictim(cluster, admin);
            List<PartitionRegistration> skewed = partitions(admin);
            assertFalse(ledByPreferred(skewed), "with auto rebalance off, the restarted node leads nothing: " + skewed);
            int first = skewed.stream().filter(p -> p.getReplicas(0) == VICTIM).findFirst().orElseThrow().getPartition();

            // One partition by the admin client: only it moves.
            List<LeaderElection> one = admin.electPreferredLeaders(Map.of(TOPIC, Set.of(first)));
            assertEquals(List.of(new LeaderElection(TOPIC, first, ErrorCode.NONE, "", VICTIM)), one);
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> partitions(admin).stream()
                .anyMatch(p -> p.getPartition() == first && p.getLeader() == VICTIM));
            assertFalse(ledByPreferred(partitions(admin)), "the victim's other preferred partition was not asked for");

            // The rest by the CLI, for the topic.
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            assertEquals(0, Cli.run(cluster.bootstrap(), out, err, "leader", "elect", "--topic", TOPIC), err.toString());
            assertTrue(out.toString().contains("moved 1, already led by the preferred replica 5, not moved 0"), out.toString());
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> ledByPreferred(partitions(admin)));

            // Nothing left to move; a missing topic or partition is named, exit 1.
            out = new StringWriter();
            assertEquals(0, Cli.run(cluster.bootstrap(), out, err, "leader", "elect"), err.toString());
            assertTrue(out.toString().contains("moved 0,"), out.toString());
            StringWriter missing = new StringWriter();
            assertEquals(1, Cli.run(cluster.bootstrap(), new StringWriter(), missing, "leader", "elect",
                "--topic", TOPIC, "--partition", "6"));
            assertTrue(missing.toString().contains(TOPIC + "-6: UNKNOWN_TOPIC_OR_PARTITION"), missing.toString());
            assertEquals(2, Cli.run(cluster.bootstrap(), new StringWriter(), new StringWriter(), "leader", "elect",
                "--partition", "1"), "--partition without --topic is a usage error");
        }
    }

    @Test
    void afterARestart_theActiveControllerMovesLeadershipBackByItself() throws Exception {
        try (TestCluster cluster = TestCluster.start(tmp, 3, Map.of("leader.imbalance.check.interval.seconds", "1"));
             RunnelAdmin admin = new RunnelAdmin(cluster.bootstrap())) {
            cluster.createTopic(TOPIC, 6, 3, Map.of());
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> ledByPreferred(partitions(admin)));
            restartVictim(cluster, admin);
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> ledByPreferred(partitions(admin)));
        }
    }
}
