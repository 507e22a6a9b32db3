package io.runnel.metadata.quorum;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runnel.metadata.controller.ControllerLogic;
import io.runnel.proto.v1.ErrorCode;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Voters added and removed on a real 3-voter Ratis quorum over gRPC on loopback. */
class QuorumMembershipTest {
    @TempDir
    Path tmp;
    private final Map<Integer, QuorumServer> servers = new HashMap<>();
    private final Map<Integer, InetSocketAddress> voters = new HashMap<>();

    @AfterEach
    void tearDown() {
        servers.values().forEach(QuorumServer::close);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Starts (or restarts, from its directory) node {@code id}; node 4 is configured as a joiner throughout. */
    private QuorumServer start(int id) throws IOException {
        QuorumServer server = new QuorumServer(new QuorumSettings(id, voters, "127.0.0.1", tmp.resolve("node-" + id),
            QuorumSettings.DEFAULT_CLUSTER_ID, 300, 50, id == 4)).start();
        servers.put(id, server);
        return server;
    }

    private void stop(int id) {
        servers.remove(id).close();
    }

    private QuorumServer awaitLeader() {
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> servers.values().stream().anyMatch(QuorumServer::isActiveController));
        return servers.values().stream().filter(QuorumServer::isActiveController).findFirst().orElseThrow();
    }

    /** Creates a topic through whichever node leads now: the quorum commits metadata. */
    private void createTopic(String name) throws Exception {
        Awaitility.await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> {
            QuorumServer leader = awaitLeader();
            return leader.propose(ControllerLogic.createTopic(leader.image(), name, 1, 1, Map.of(), UUID.randomUUID()))
                .get(10, TimeUnit.SECONDS).getError() == ErrorCode.NONE;
        });
    }

    private void awaitVoters(List<Integer> expected) {
        for (QuorumServer s : servers.values()) {
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> s.voters().equals(expected));
        }
    }

    @Test
    void addAFourth_removeAFollowerAndTheLeader_commitsAfterEachStep_andARestartKeepsTheConfiguration() throws Exception {
        for (int id = 1; id <= 3; id++) {
            voters.put(id, new InetSocketAddress("127.0.0.1", freePort()));
        }
        for (int id = 1; id <= 3; id++) {
            start(id);
        }
        QuorumServer leader = awaitLeader();
        leader.propose(ControllerLogic.registerBroker(leader.image(), 1, "inc1", "h1", 9092, "", false)).get(10, TimeUnit.SECONDS);
        leader.propose(ControllerLogic.unfenceBroker(leader.image(), 1, leader.image().brokers().get(1).epoch())).get(10, TimeUnit.SECONDS);
        createTopic("three-voters");

        voters.put(4, new InetSocketAddress("127.0.0.1", freePort()));
        start(4);
        awaitLeader().addVoter(4, voters.get(4));
        awaitVoters(List.of(1, 2, 3, 4));
        createTopic("after-add");

        int leaderId = awaitLeader().nodeId();
        int follower = List.of(1, 2, 3).stream().filter(id -> id != leaderId).findFirst().orElseThrow();
        List<Integer> afterFollower = List.of(1, 2, 3, 4).stream().filter(id -> id != follower).toList();
        assertEquals(afterFollower, awaitLeader().removeVoter(follower));
        stop(follower);
        awaitVoters(afterFollower);
        createTopic("after-remove-follower");

        IOException notAVoter = assertThrows(IOException.class, () -> awaitLeader().removeVoter(follower));
        assertTrue(notAVoter.getMessage().contains("node " + follower + " is not a voter"), notAVoter.getMessage());

        // With one of the three voters stopped, removing another live one would leave one live voter of two.
        int other = afterFollower.stream().filter(id -> id != leaderId && id != 4).findFirst().orElseThrow();
        stop(other);
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> awaitLeader().quorumStatus().voters().stream()
            .anyMatch(v -> v.nodeId() == other && v.lastContactMs() > 2_000));
        IOException noMajority = assertThrows(IOException.class, () -> awaitLeader().removeVoter(4));
        assertTrue(noMajority.getMessage().contains("would leave voters [" + Math.min(leaderId, other) + ", "
            + Math.max(leaderId, other) + "] of which only [" + leaderId + "] answer the leader"), noMajority.getMessage());
        start(other);
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> awaitLeader().quorumStatus().voters().stream()
            .allMatch(v -> v.lastContactMs() >= 0 && v.lastContactMs() < 1_000));
        createTopic("after-refusal");

        // The active controller itself: leadership moves to a remaining voter first.
        QuorumServer active = awaitLeader();
        int removedLeader = active.nodeId();
        List<Integer> last = afterFollower.stream().filter(id -> id != removedLeader).toList();
        assertEquals(last, active.removeVoter(removedLeader));
        stop(removedLeader);
        awaitVoters(last);
        createTopic("after-remove-leader");
        QuorumStatus status = awaitLeader().quorumStatus();
        assertEquals(last, status.voters().stream().map(VoterStatus::nodeId).toList());

        // Both remaining voters restart (node 4 still configured as a joiner, the other with the
        // first static voter list): the configuration comes back from their logs.
        for (int id : last) {
            stop(id);
        }
        for (int id : last) {
            start(id);
        }
        awaitLeader();
        awaitVoters(last);
        createTopic("after-restart");
        for (QuorumServer s : servers.values()) {
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> s.image().topics().keySet().containsAll(List.of(
                "three-voters", "after-add", "after-remove-follower", "after-refusal", "after-remove-leader", "after-restart")));
        }
    }

    @Test
    void theOnlyVoter_cannotBeRemoved() throws Exception {
        voters.put(1, new InetSocketAddress("127.0.0.1", freePort()));
        QuorumServer only = start(1);
        awaitLeader();
        IOException refused = assertThrows(IOException.class, () -> only.removeVoter(1));
        assertTrue(refused.getMessage().contains("node 1 is the only voter"), refused.getMessage());
        assertEquals(List.of(1), only.voters());
    }
}
