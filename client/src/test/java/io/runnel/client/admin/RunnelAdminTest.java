package io.runnel.client.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.runnel.broker.node.TestCluster;
import io.runnel.client.admin.RunnelAdmin.AdminException;
import io.runnel.client.common.Bootstrap.ClusterUnreachableException;
import io.runnel.proto.v1.ErrorCode;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin client's retries against a real node that goes away and comes back: a call made
 * while the only node is down keeps retrying and succeeds once it is back, and refusals that are
 * answers (a missing topic) or a cluster gone for longer than the retry timeout are thrown.
 */
class RunnelAdminTest {
    @TempDir
    static Path tmp;
    private static TestCluster cluster;

    @BeforeAll
    static void startNode() throws Exception {
        cluster = TestCluster.start(tmp, 1, Map.of());
    }

    @AfterAll
    static void stopNode() {
        cluster.close();
    }

    /** Halts the only node, starts {@code call}, checks it is still retrying while the node is down, then brings the node back. */
    private static <T> CompletableFuture<T> callWhileTheNodeRestarts(Supplier<T> call) throws IOException {
        cluster.halt(1);
        CompletableFuture<T> result = CompletableFuture.supplyAsync(call);
        Awaitility.await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(() -> !result.isDone());
        cluster.restart(1);
        return result;
    }

    @Test
    void createTopic_madeWhileTheOnlyNodeRestarts_succeedsOnceItIsBack() throws Exception {
        try (RunnelAdmin admin = new RunnelAdmin(cluster.bootstrap())) {
            CompletableFuture<Void> created = callWhileTheNodeRestarts(() -> {
                admin.createTopic("made-during-restart", 2, 1, Map.of());
                return null;
            });
            created.get(60, TimeUnit.SECONDS);
            assertEquals(Map.of(0, 0L, 1, 0L), admin.offsets("made-during-restart", RunnelAdmin.LATEST));
        }
    }

    @Test
    void offsets_askedWhileTheOnlyNodeRestarts_areAnsweredOnceItIsBack() throws Exception {
        try (RunnelAdmin admin = new RunnelAdmin(cluster.bootstrap())) {
            admin.createTopic("offsets-during-restart", 3, 1, Map.of());
            CompletableFuture<Map<Integer, Long>> offsets =
                callWhileTheNodeRestarts(() -> admin.offsets("offsets-during-restart", RunnelAdmin.EARLIEST));
            assertEquals(Map.of(0, 0L, 1, 0L, 2, 0L), offsets.get(60, TimeUnit.SECONDS));
        }
    }

    @Test
    void aMissingTopic_isAnAnswer_notRetried() {
        try (RunnelAdmin admin = new RunnelAdmin(cluster.bootstrap())) {
            AdminException deleted = assertThrows(AdminException.class, () -> admin.deleteTopic("never-created"));
            assertEquals(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, deleted.code());
            assertFalse(deleted.getMessage().contains("retrying"), deleted.getMessage());
            AdminException offsets = assertThrows(AdminException.class, () -> admin.offsets("never-created", RunnelAdmin.LATEST));
            assertEquals(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, offsets.code());
        }
    }

    @Test
    void noBrokerAnsweringWithinTheRetryTimeout_throwsTheLastFailure() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        try (RunnelAdmin admin = new RunnelAdmin("127.0.0.1:" + closedPort, Duration.ofMillis(300))) {
            assertThrows(ClusterUnreachableException.class, () -> admin.createTopic("t", 1, 1, Map.of()));
            assertThrows(ClusterUnreachableException.class, () -> admin.offsets("t", RunnelAdmin.LATEST));
        }
        assertThrows(IllegalArgumentException.class, () -> new RunnelAdmin("127.0.0.1:" + closedPort, Duration.ofMillis(-1)));
    }
}
