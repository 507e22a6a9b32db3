package io.runnel.broker.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runnel.broker.grpc.BrokerServer;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16 item 2: the gRPC health service's readiness (its empty name, what the container
 * healthcheck and the Kubernetes readiness probe ask) means ready: registered, unfenced, in touch
 * with the active controller and caught up with the metadata log. Liveness ({@code "liveness"})
 * only says the listener is up. Real three-node cluster on ephemeral ports.
 */
class BrokerReadinessTest {
    private static int readiness(TestCluster cluster, int id) {
        return HealthCheck.check("127.0.0.1:" + cluster.clientPort(id), BrokerServer.READINESS);
    }

    private static int liveness(TestCluster cluster, int id) {
        return HealthCheck.check("127.0.0.1:" + cluster.clientPort(id), BrokerServer.LIVENESS);
    }

    private static void awaitReady(TestCluster cluster, int id) {
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> readiness(cluster, id) == 0);
    }

    @Test
    void readiness_losesTheQuorum_thenAnUnregisteredNodeIsLiveButNotReady_untilItRegisters(@TempDir Path tmp) throws IOException {
        try (TestCluster cluster = TestCluster.start(tmp, 3, Map.of())) {
            walkThrough(cluster);
        }
    }

    private static void walkThrough(TestCluster cluster) throws IOException {
        for (int id = 1; id <= 3; id++) {
            awaitReady(cluster, id);
            assertEquals(0, HealthCheck.check("127.0.0.1:" + cluster.clientPort(id), BrokerServer.READINESS));
        }

        // Nodes 1 and 2 gone: node 3 has no quorum, so no active controller answers its heartbeats.
        cluster.halt(1);
        cluster.halt(2);
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> readiness(cluster, 3) == 1);
        assertEquals(0, liveness(cluster, 3), "the process is alive: a liveness probe must not restart it");

        // Restarted alone, node 3 is up but cannot register (no quorum).
        cluster.halt(3);
        RunnelNode restarted = cluster.restart(3);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> liveness(cluster, 3) == 0);
        assertEquals(1, readiness(cluster, 3));
        assertTrue(restarted.controllerClient().brokerEpoch() < 0, "node 3 cannot have registered without a quorum");

        // A quorum again (nodes 1 and 3): node 3 registers, catches up and is unfenced, and reports SERVING.
        cluster.restart(1);
        awaitReady(cluster, 3);
        assertTrue(restarted.controllerClient().brokerEpoch() >= 0);
        assertTrue(restarted.controllerClient().readiness().isReady());
        awaitReady(cluster, 1);
    }
}
