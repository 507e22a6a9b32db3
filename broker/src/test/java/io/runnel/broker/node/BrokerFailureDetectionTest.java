package io.runnel.broker.node;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runnel.metadata.image.MetadataImage;
import io.runnel.metadata.image.PartitionInfo;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How fast a crashed node's leaderships move, with a broker session (30 s) far longer than the
 * waits here, so only the fast paths can pass: a closed heartbeat connection, and a new active
 * controller's short first deadline, and a crashed broker's listener refusing connections. A crash
 * is {@link TestCluster#halt}: its sockets close, as a killed process's do.
 */
class BrokerFailureDetectionTest {
    private static final Duration WELL_BELOW_THE_SESSION = Duration.ofSeconds(15);
    private static final long SLOW_HEARTBEAT_MS = 5_000;
    /** With slow heartbeats: a new controller's first deadline (three intervals) minus more than one Raft election. */
    private static final Duration BEFORE_THE_FIRST_DEADLINE = Duration.ofMillis(3 * SLOW_HEARTBEAT_MS - 3_000);

    @TempDir
    Path tmp;
    private TestCluster cluster;

    @AfterEach
    void tearDown() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private void start() throws Exception {
        start(200);
    }

    private void start(long heartbeatMs) throws Exception {
        cluster = TestCluster.start(tmp, 3, Map.of("broker.session.timeout.ms", "30000", "broker.heartbeat.interval.ms",
            Long.toString(heartbeatMs)));
        cluster.createTopic("t", 6, 3, Map.of());
    }

    private MetadataImage image(int nodeId) {
        return cluster.node(nodeId).controllerClient().image();
    }

    private int activeController() {
        return cluster.runningIds().stream().filter(id -> cluster.node(id).quorum().isActiveController()).findFirst()
            .orElseThrow();
    }

    /** Whether, as node {@code observer} sees it, {@code gone} is fenced and leads nothing. */
    private boolean movedAwayFrom(int observer, int gone) {
        MetadataImage image = image(observer);
        return image.brokers().get(gone).fenced()
            && image.topics().get("t").partitions().values().stream().map(PartitionInfo::leader).noneMatch(l -> l == gone);
    }

    @Test
    void aCrashedBrokersLeadershipsMove_whenItsConnectionCloses_notAfterItsSession() throws Exception {
        start();
        int controller = activeController();
        int victim = cluster.runningIds().stream().filter(id -> id != controller).findFirst().orElseThrow();
        assertTrue(image(controller).topics().get("t").partitions().values().stream().anyMatch(p -> p.leader() == victim));
        cluster.halt(victim);
        Awaitility.await().atMost(WELL_BELOW_THE_SESSION).until(() -> movedAwayFrom(controller, victim));
    }

    @Test
    void whenTheActiveControllersNodeCrashes_itsBrokerIsFencedByTheNewControllersFirstDeadline() throws Exception {
        start();
        int victim = activeController();
        cluster.halt(victim);
        int observer = cluster.runningIds().iterator().next();
        Awaitility.await().atMost(WELL_BELOW_THE_SESSION).ignoreExceptions().until(() -> movedAwayFrom(observer, victim));
    }

    /**
     * The new active controller never saw the crashed broker's heartbeats, and with 5 s heartbeats
     * its first deadline for every broker is 15 s after it takes over. The partitions must move
     * before that deadline could have passed, because the crashed process's listener refuses
     * connections (evidence, not a shorter timer), while the live brokers, which answer, stay unfenced.
     */
    @Test
    void whenTheActiveControllersNodeCrashes_itsBrokerIsFencedOnItsRefusingListener_beforeTheFirstDeadline() throws Exception {
        start(SLOW_HEARTBEAT_MS);
        int victim = activeController();
        assertTrue(image(victim).topics().get("t").partitions().values().stream().anyMatch(p -> p.leader() == victim),
            "the active controller's broker leads some of 6 partitions");
        cluster.halt(victim);
        int observer = cluster.runningIds().iterator().next();
        Awaitility.await().atMost(BEFORE_THE_FIRST_DEADLINE).ignoreExceptions().until(() -> movedAwayFrom(observer, victim));
        for (int live : cluster.runningIds()) {
            assertFalse(image(observer).brokers().get(live).fenced(), "live broker " + live + " was fenced");
        }
    }
}
