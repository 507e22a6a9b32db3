package io.runnel.metadata.quorum;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runnel.metadata.acl.AclBinding;
import io.runnel.metadata.controller.AclChanges;
import io.runnel.metadata.controller.BrokerDecisions;
import io.runnel.metadata.controller.ControllerLogic;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.proto.v1.AclEntry;
import io.runnel.proto.v1.AclOperation;
import io.runnel.proto.v1.AclPatternType;
import io.runnel.proto.v1.AclPermission;
import io.runnel.proto.v1.AclResourceType;
import io.runnel.proto.v1.ApplyResult;
import io.runnel.proto.v1.ErrorCode;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Three real Ratis voters over gRPC on loopback, with real storage in temp dirs. */
class QuorumServerTest {
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

    private QuorumServer start(int id, long snapshotEvery) throws IOException {
        QuorumServer server = new QuorumServer(new QuorumSettings(id, voters, "127.0.0.1", tmp.resolve("node-" + id),
            QuorumSettings.DEFAULT_CLUSTER_ID, 300, snapshotEvery)).start();
        servers.put(id, server);
        return server;
    }

    private void startAll(long snapshotEvery) throws IOException {
        for (int id = 1; id <= 3; id++) {
            voters.put(id, new InetSocketAddress("127.0.0.1", freePort()));
        }
        for (int id = 1; id <= 3; id++) {
            start(id, snapshotEvery);
        }
    }

    private QuorumServer awaitLeader() {
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> servers.values().stream().anyMatch(QuorumServer::isActiveController));
        return servers.values().stream().filter(QuorumServer::isActiveController).findFirst().orElseThrow();
    }

    private ApplyResult propose(QuorumServer leader, io.runnel.proto.v1.MetadataBatch batch) throws Exception {
        return leader.propose(batch).get(10, TimeUnit.SECONDS);
    }

    private void registerBrokers(QuorumServer leader, int count) throws Exception {
        for (int b = 1; b <= count; b++) {
            propose(leader, BrokerDecisions.registerBroker(leader.image(), b, "inc" + b, "h" + b, 9092, "", false));
            propose(leader, BrokerDecisions.unfenceBroker(leader.image(), b, leader.image().brokers().get(b).epoch()));
        }
    }

    @Test
    void leaderKilled_newLeaderTakesOver_nothingCommittedIsLost_thenAllRestartToTheSameImage() throws Exception {
        startAll(10_000);
        QuorumServer leader = awaitLeader();
        registerBrokers(leader, 3);
        MetadataImage beforeTopics = leader.image();
        for (int t = 0; t < 5; t++) {
            assertEquals(ErrorCode.NONE, propose(leader, ControllerLogic.createTopic(leader.image(), "t" + t, 3, 3, Map.of(),
                UUID.randomUUID())).getError());
        }
        MetadataImage committed = leader.image();
        int oldLeader = leader.nodeId();
        servers.remove(oldLeader).close();

        long killedAt = System.nanoTime();
        QuorumServer next = awaitLeader();
        long electionMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
        assertNotEquals(oldLeader, next.nodeId());
        assertTrue(electionMs < 10_000, "new leader after " + electionMs + " ms");
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> next.image().topics().equals(committed.topics()));
        assertEquals(ErrorCode.NONE, propose(next, ControllerLogic.createTopic(next.image(), "after", 1, 2, Map.of(),
            UUID.randomUUID())).getError());
        assertEquals(ErrorCode.TOPIC_ALREADY_EXISTS, propose(next, ControllerLogic.createTopic(beforeTopics, "t0", 1, 1, Map.of(),
            UUID.randomUUID())).getError(), "a decision made on a stale image is rejected when applied");

        start(oldLeader, 10_000);
        MetadataImage expected = next.image();
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> servers.get(oldLeader).image().equals(expected));

        for (int id : Map.copyOf(servers).keySet()) {
            servers.remove(id).close();
        }
        for (int id = 1; id <= 3; id++) {
            start(id, 10_000);
        }
        awaitLeader();
        for (QuorumServer s : servers.values()) {
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> s.image().topics().equals(expected.topics())
                && s.image().brokers().keySet().equals(expected.brokers().keySet()));
        }
    }

    @Test
    void snapshotsPurgeTheLog_andARestartedNodeRecoversFromSnapshotPlusTail() throws Exception {
        startAll(20);
        QuorumServer leader = awaitLeader();
        registerBrokers(leader, 2);
        // An ACL binding first, so the log entry holding it is purged behind a snapshot.
        AclEntry acl = AclEntry.newBuilder().setResourceType(AclResourceType.TOPIC).setResourceName("topic-1")
            .setPatternType(AclPatternType.LITERAL).setPrincipal("User:CN=alice").setOperation(AclOperation.WRITE)
            .setPermission(AclPermission.ALLOW).build();
        propose(leader, AclChanges.create(List.of(acl)));
        for (int t = 0; t < 60; t++) {
            propose(leader, ControllerLogic.createTopic(leader.image(), "topic-" + t, 1, 2, Map.of(), UUID.randomUUID()));
        }
        MetadataImage expected = leader.image();
        assertEquals(List.of(AclBinding.fromProto(acl)), List.copyOf(expected.acls().bindings()));
        for (QuorumServer s : servers.values()) {
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> s.image().equals(expected));
        }
        int follower = servers.keySet().stream().filter(id -> id != leader.nodeId()).findFirst().orElseThrow();
        Path sm = tmp.resolve("node-" + follower);
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> countFiles(sm, "snapshot.") > 0);
        assertTrue(countFiles(sm, "snapshot.") <= 4, "retention keeps 2 snapshots (plus their md5 files)");

        servers.remove(follower).close();
        start(follower, 20);
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> servers.get(follower).image().equals(expected));
        assertEquals(expected.acls(), servers.get(follower).image().acls(), "the ACL came back from the snapshot");
    }

    @Test
    void aNewVoterJoins_catchesUp_andCountsTowardCommits() throws Exception {
        startAll(20);
        QuorumServer leader = awaitLeader();
        registerBrokers(leader, 2);
        for (int t = 0; t < 40; t++) {
            propose(leader, ControllerLogic.createTopic(leader.image(), "topic-" + t, 1, 2, Map.of(), UUID.randomUUID()));
        }
        voters.put(4, new InetSocketAddress("127.0.0.1", freePort()));
        QuorumServer joiner = new QuorumServer(new QuorumSettings(4, voters, "127.0.0.1", tmp.resolve("node-4"),
            QuorumSettings.DEFAULT_CLUSTER_ID, 300, 20, true)).start();
        servers.put(4, joiner);
        leader.addVoter(4, voters.get(4));
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> leader.voters().equals(java.util.List.of(1, 2, 3, 4)));
        MetadataImage expected = leader.image();
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> joiner.image().topics().equals(expected.topics()));

        // With 4 voters a commit needs 3: with one original follower stopped, only the new voter's
        // acknowledgement lets a write commit.
        List<Integer> followers = servers.keySet().stream().filter(id -> id != leader.nodeId() && id != 4).toList();
        servers.remove(followers.get(0)).close();
        assertEquals(ErrorCode.NONE, propose(awaitLeader(), ControllerLogic.createTopic(awaitLeader().image(), "with-four", 1, 1,
            Map.of(), UUID.randomUUID())).getError());
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> joiner.image().topics().containsKey("with-four"));
    }

    /** Starts (or restarts, from its directory) node {@code id}; node 4 is configured as a joiner throughout. */
    private QuorumServer startMember(int id) throws IOException {
        QuorumServer server = new QuorumServer(new QuorumSettings(id, voters, "127.0.0.1", tmp.resolve("node-" + id),
            QuorumSettings.DEFAULT_CLUSTER_ID, 300, 50, id == 4)).start();
        servers.put(id, server);
        return server;
    }

    private void stop(int id) {
        servers.remove(id).close();
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

    // ---------------------------------------------------------------- voters added and removed (QuorumMembership)

    @Test
    void addAFourth_removeAFollowerAndTheLeader_commitsAfterEachStep_andARestartKeepsTheConfiguration() throws Exception {
        for (int id = 1; id <= 3; id++) {
            voters.put(id, new InetSocketAddress("127.0.0.1", freePort()));
        }
        for (int id = 1; id <= 3; id++) {
            startMember(id);
        }
        QuorumServer leader = awaitLeader();
        leader.propose(BrokerDecisions.registerBroker(leader.image(), 1, "inc1", "h1", 9092, "", false)).get(10, TimeUnit.SECONDS);
        leader.propose(BrokerDecisions.unfenceBroker(leader.image(), 1, leader.image().brokers().get(1).epoch())).get(10, TimeUnit.SECONDS);
        createTopic("three-voters");

        voters.put(4, new InetSocketAddress("127.0.0.1", freePort()));
        startMember(4);
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
        startMember(other);
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
            startMember(id);
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
        QuorumServer only = startMember(1);
        awaitLeader();
        IOException refused = assertThrows(IOException.class, () -> only.removeVoter(1));
        assertTrue(refused.getMessage().contains("node 1 is the only voter"), refused.getMessage());
        assertEquals(List.of(1), only.voters());
    }

    private static long countFiles(Path dir, String prefix) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(f -> f.getFileName().toString().startsWith(prefix)).count();
        }
    }
}
