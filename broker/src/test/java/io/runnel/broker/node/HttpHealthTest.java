package io.runnel.broker.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.runnel.broker.config.NodeConfig;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16 item 7: the image's healthcheck asks readiness over HTTP on the metrics port (bash,
 * no JVM per probe). /health/ready must follow the gRPC health service's readiness: 503 while
 * the broker cannot register (no controller), 200 once it is ready; /health/live 200 throughout.
 */
class HttpHealthTest {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private int status(int port, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(5))
            .build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void aBrokerWithoutAController_isLiveButNotReady(@TempDir Path tmp) throws Exception {
        Properties p = new Properties();
        p.setProperty("node.id", "1");
        p.setProperty("roles", "broker");
        p.setProperty("listener", "127.0.0.1:" + freePort());
        p.setProperty("internal.listener", "127.0.0.1:0");
        p.setProperty("quorum.voters", "7@127.0.0.1:" + freePort()); // nobody answers there
        p.setProperty("metrics.port", "0");
        p.setProperty("data.dir", tmp.toString());
        RunnelNode node = new RunnelNode(NodeConfig.load(p, Map.of(), "test")).start();
        try {
            assertEquals(200, status(node.metricsPort(), "/health/live"));
            assertEquals(503, status(node.metricsPort(), "/health/ready"));
        } finally {
            node.close();
        }
    }

    @Test
    void aRegisteredBroker_isReady(@TempDir Path tmp) throws Exception {
        try (TestCluster cluster = TestCluster.start(tmp, 1, Map.of("metrics.port", "0"))) {
            int port = cluster.node(1).metricsPort();
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> status(port, "/health/ready") == 200);
            assertEquals(200, status(port, "/health/live"));
        }
    }
}
