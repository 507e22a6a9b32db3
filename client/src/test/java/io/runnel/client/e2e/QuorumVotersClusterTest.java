package io.runnel.client.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runnel.broker.node.TestCluster;
import io.runnel.client.admin.QuorumDescription;
import io.runnel.client.admin.RunnelAdmin;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16 item 4, "add and remove voters": on three real nodes the CLI describes the quorum and
 * removes the active controller (leadership moves first); the admin client sees the new
 * configuration and a topic is created afterwards; removing a non-voter and adding a voter are
 * refused naming why, through the broker's Admin service. Adding a 4th voter, a removal that
 * would leave no live majority, and restarts keeping the configuration are in
 * QuorumServerTest (a real Ratis quorum).
 */
class QuorumVotersClusterTest {
    @TempDir
    Path tmp;

    private static List<Integer> ids(QuorumDescription quorum) {
        return quorum.voters().stream().map(QuorumDescription.Voter::nodeId).toList();
    }

    private static String cli(TestCluster cluster, int expectedExit, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Cli.run(cluster.bootstrap(), out, err, args);
        assertEquals(expectedExit, exit, "runnel " + String.join(" ", args) + ": " + out + err);
        return out + err.toString();
    }

    @Test
    void theCliRemovesTheActiveController_metadataCommitsAfterwards_andRefusalsNameWhy() throws Exception {
        try (TestCluster cluster = TestCluster.start(tmp, 3, Map.of());
             RunnelAdmin admin = new RunnelAdmin(cluster.bootstrap())) {
            QuorumDescription before = admin.describeQuorum();
            assertEquals(List.of(1, 2, 3), ids(before));
            int active = before.leaderId();
            String described = cli(cluster, 0, "quorum", "describe");
            assertTrue(described.contains("active controller: " + active), described);
            assertTrue(described.contains("127.0.0.1:" + (cluster.controllerPort(active) + 1)), described);

            List<Integer> rest = List.of(1, 2, 3).stream().filter(id -> id != active).toList();
            String removed = cli(cluster, 0, "quorum", "remove-voter", Integer.toString(active));
            assertTrue(removed.contains("removed voter " + active + "; voters now " + rest), removed);
            QuorumDescription after = admin.describeQuorum();
            assertEquals(rest, ids(after));
            assertNotEquals(active, after.leaderId(), "leadership moved to a remaining voter");
            // The removed node's Raft server has left the group (Ratis closes it): stop the node, as the docs say.
            cluster.halt(active);
            cluster.createTopic("after-remove", 1, 2, Map.of());

            String notAVoter = cli(cluster, 1, "quorum", "remove-voter", Integer.toString(active));
            assertTrue(notAVoter.contains("INVALID_REQUEST") && notAVoter.contains("node " + active + " is not a voter"),
                notAVoter);
            int voter = rest.get(0);
            String already = cli(cluster, 1, "quorum", "add-voter", voter + "@127.0.0.1:" + cluster.controllerPort(voter));
            assertTrue(already.contains("INVALID_REQUEST") && already.contains("node " + voter + " is already a voter"), already);
            assertEquals(rest, ids(admin.describeQuorum()));

            String bad = cli(cluster, 2, "quorum", "add-voter", "four@127.0.0.1:1");
            assertTrue(bad.contains("expected ID@HOST:PORT"), bad);
        }
    }
}
