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
 * The node of the active controller crashes while it leads partitions. The new active controller
 * never saw that broker's heartbeats, so no session of its own runs out for it soon: with a 30 s
 * session and 5 s heartbeats its first deadline for every broker is 15 s after it takes over. Its
 * partitions must nevertheless move before that deadline could have passed, because the crashed
 * process's listener refuses connections (evidence, not a shorter timer), while the live brokers,
 * which do answer, stay unfenced.
 */
class ControllerFailoverFencingTest {
    private static final long HEARTBEAT_MS = 5_000;
    /** The new controller's first deadline (three heartbeat intervals) minus more than one Raft election. */
    private static final Duration BEFORE_THE_FIRST_DEADLINE = Duration.ofMillis(3 * HEARTBEAT_MS - 3_000);

    @TempDir
    Path tmp;
    private TestCluster cluster;

    @AfterEach
    void tearDown() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private MetadataImage image(int nodeId) {
        return cluster.node(nodeId).controllerClient().image();
    }

    private int activeController() {
        return cluster.runningIds().stream().filter(id -> cluster.node(id).quorum().isActiveController()).findFirst()
            .orElseThrow();
    }

    @Test
    void theCrashedActiveControllersBrokerIsFencedBeforeTheNewControllersFirstDeadline_andNoLiveBrokerIs() throws Exception {
        cluster = TestCluster.start(tmp, 3, Map.of("broker.session.timeout.ms", "30000",
            "broker.heartbeat.interval.ms", Long.toString(HEARTBEAT_MS)));
        cluster.createTopic("t", 6, 3, Map.of());
        int victim = activeController();
        assertTrue(image(victim).topics().get("t").partitions().values().stream().anyMatch(p -> p.leader() == victim),
            "the active controller's broker leads some of 6 partitions");

        cluster.halt(victim);

        int observer = cluster.runningIds().iterator().next();
        Awaitility.await().atMost(BEFORE_THE_FIRST_DEADLINE).ignoreExceptions().until(() -> {
            MetadataImage image = image(observer);
            return image.brokers().get(victim).fenced()
                && image.topics().get("t").partitions().values().stream().map(PartitionInfo::leader).noneMatch(l -> l == victim);
        });
        MetadataImage after = image(observer);
        for (int live : cluster.runningIds()) {
            assertFalse(after.brokers().get(live).fenced(), "live broker " + live + " was fenced");
        }
    }
}
