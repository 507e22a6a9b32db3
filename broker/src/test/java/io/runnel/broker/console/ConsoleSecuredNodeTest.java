package io.runnel.broker.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runnel.broker.node.TestCertificates;
import io.runnel.broker.node.TestCluster;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console on a secured node (mutual TLS, authorizer on, console on loopback), over plain HTTP
 * without a browser: it reads the cluster through the TLS client listener with the node's own
 * certificate; bad input gets an error page without a stack trace; a POST without the console's
 * token, or from another origin, changes nothing.
 */
class ConsoleSecuredNodeTest {
    @TempDir
    static Path tmp;
    private static TestCluster cluster;
    private static String console;
    private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws IOException {
        TestCertificates certs = TestCertificates.make(tmp.resolve("certs"), "console-test-ca", 1, "admin");
        cluster = TestCluster.start(tmp.resolve("data"), 1, id -> {
            Map<String, String> settings = new HashMap<>(certs.nodeSettings(id));
            settings.put("authorizer.enabled", "true");
            settings.put("super.users", "User:CN=admin");
            settings.put("console.listener", "127.0.0.1:0");
            return settings;
        }, certs.client("admin").load().channelCredentials());
        console = "http://127.0.0.1:" + cluster.node(1).consolePort();
        cluster.createTopic("secured-orders", 2, 1, Map.of());
        cluster.awaitLeadsAll(1, "secured-orders", 2);
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(console + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(String path, String form, String origin) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(console + path))
            .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(form));
        if (origin != null) {
            request.header("Origin", origin);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void readsTheClusterThroughTls_withTheNodesCertificate() throws Exception {
        HttpResponse<String> overview = get("/");
        assertEquals(200, overview.statusCode());
        assertTrue(overview.body().contains("<span id=\"ready-count\">1</span>"), overview.body());
        // Log start and end come from ListOffsets on the TLS client listener, past the authorizer.
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !get("/topic?name=secured-orders").body().contains("unknown"));
        String topic = get("/topic?name=secured-orders").body();
        assertTrue(topic.contains("<td>0</td><td>1</td><td>[1]</td>"), topic);
        assertTrue(get("/groups").body().contains("No consumer groups."), "ListGroups answered");
    }

    @Test
    void badInput_isAnErrorPageNamingIt_neverAStackTrace() throws Exception {
        HttpResponse<String> bad = get("/messages?topic=secured-orders&partition=0&offset=abc");
        assertEquals(400, bad.statusCode());
        assertTrue(bad.body().contains("parameter &#39;offset&#39; must be a whole number, got &#39;abc&#39;"), bad.body());
        assertFalse(bad.body().contains("Exception"), bad.body());
        assertEquals(404, get("/topic?name=%3Cscript%3E").statusCode());
        assertTrue(get("/topic?name=%3Cscript%3E").body().contains("topic &#39;&lt;script&gt;&#39; does not exist"));
        assertEquals(404, get("/messages?topic=secured-orders&partition=9").statusCode());
        assertEquals(400, get("/messages?topic=secured-orders&partition=0&offset=999").statusCode(), "past the log end");
        assertEquals(400, get("/messages?topic=secured-orders&time=yesterday").statusCode());
        assertEquals(404, get("/nothing-here").statusCode());
    }

    @Test
    void posts_needTheTokenAndTheSameOrigin() throws Exception {
        assertEquals(403, post("/topics/delete", "name=secured-orders&confirm=yes", null).statusCode());
        String page = get("/topic?name=secured-orders").body();
        String token = page.replaceAll("(?s).*name=\"csrf\" value=\"([0-9a-f]+)\".*", "$1");
        assertEquals(48, token.length(), "the page carries the token");
        assertEquals(403, post("/topics/delete", "csrf=" + token + "&name=secured-orders&confirm=yes", "http://evil.example")
            .statusCode());
        assertEquals(200, get("/topic?name=secured-orders").statusCode(), "still there");
        HttpResponse<String> confirm = post("/topics/delete", "csrf=" + token + "&name=secured-orders", console);
        assertEquals(200, confirm.statusCode());
        assertTrue(confirm.body().contains("This cannot be undone"), "the first POST only asks");
        assertEquals(200, get("/topic?name=secured-orders").statusCode(), "still there after the question");
    }
}
