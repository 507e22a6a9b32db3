package io.runnel.broker.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.runnel.broker.node.TestCertificates;
import io.runnel.broker.node.TestCluster;
import io.runnel.proto.v1.AclEntry;
import io.runnel.proto.v1.AclOperation;
import io.runnel.proto.v1.AclPatternType;
import io.runnel.proto.v1.AclPermission;
import io.runnel.proto.v1.AclResourceType;
import io.runnel.proto.v1.AdminGrpc;
import io.runnel.proto.v1.BrokerGrpc;
import io.runnel.proto.v1.CreateAclsRequest;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.PartitionProduceData;
import io.runnel.proto.v1.ProduceRequest;
import io.runnel.proto.v1.Record;
import io.runnel.proto.v1.RecordList;
import io.runnel.proto.v1.TopicProduceData;
import io.runnel.security.TlsFiles;
import io.runnel.security.TlsMaterial;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;

/**
 * The console on a secured node (mutual TLS, authorizer on), over HTTPS with client certificates,
 * without a browser: the super user's certificate reads the cluster, which the console reaches
 * through the TLS client listener with the node's own certificate; a principal without ACLs gets a
 * 403 naming what it lacks and sees no topics, then what it is granted; a request without a client
 * certificate is refused; bad input gets an error page without a stack trace; a POST without the
 * console's token, or from another origin, changes nothing.
 */
class ConsoleSecuredNodeTest {
    @TempDir
    static Path tmp;
    private static TestCluster cluster;
    private static String console;
    private static HttpClient http;
    private static HttpClient alice;
    private static HttpClient noCertificate;

    @BeforeAll
    static void start() throws IOException, GeneralSecurityException {
        TestCertificates certs = TestCertificates.make(tmp.resolve("certs"), "console-test-ca", 1, "admin", "alice");
        http = https(certs.client("admin"), true);
        alice = https(certs.client("alice"), true);
        noCertificate = https(certs.client("admin"), false);
        cluster = TestCluster.start(tmp.resolve("data"), 1, id -> {
            Map<String, String> settings = new HashMap<>(certs.nodeSettings(id));
            settings.put("authorizer.enabled", "true");
            settings.put("super.users", "User:CN=admin");
            settings.put("console.listener", "127.0.0.1:0");
            return settings;
        }, certs.client("admin").load().channelCredentials());
        console = "https://127.0.0.1:" + cluster.node(1).consolePort();
        cluster.createTopic("secured-orders", 2, 1, Map.of());
        cluster.createTopic("secret-payroll", 1, 1, Map.of());
        cluster.awaitLeadsAll(1, "secured-orders", 2);
        cluster.awaitLeadsAll(1, "secret-payroll", 1);
        BrokerGrpc.newBlockingStub(cluster.clientChannel(1)).produce(ProduceRequest.newBuilder().setAcks(1).setTimeoutMs(5000)
            .addTopics(TopicProduceData.newBuilder().setTopic("secured-orders").addPartitions(PartitionProduceData.newBuilder()
                .setPartition(0).setRecords(RecordList.newBuilder().addRecords(
                    Record.newBuilder().setValue(ByteString.copyFromUtf8("hello-console")))))).build());
    }

    /** An HTTPS client trusting the cluster's CA, showing the certificate of {@code files} or none. */
    private static HttpClient https(TlsFiles files, boolean showCertificate) throws GeneralSecurityException {
        TlsMaterial tls = files.load();
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(showCertificate ? new KeyManager[] {tls.keyManager()} : null, new TrustManager[] {tls.trustManager()}, null);
        return HttpClient.newBuilder().sslContext(context).connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return get(http, path);
    }

    private static HttpResponse<String> get(HttpClient client, String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(console + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(String path, String form, String origin) throws Exception {
        return post(http, path, form, origin);
    }

    private static HttpResponse<String> post(HttpClient client, String path, String form, String origin) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(console + path))
            .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(form));
        if (origin != null) {
            request.header("Origin", origin);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aPrincipalWithoutAcls_isRefusedNamingWhatIsMissing_thenSeesWhatItIsGranted() throws Exception {
        assertRefused(get(alice, "/messages?topic=secured-orders&partition=0"),
            "User:CN=alice is not allowed READ on TOPIC secured-orders", "hello-console");
        HttpResponse<String> topics = get(alice, "/topics");
        assertEquals(200, topics.statusCode());
        assertFalse(topics.body().contains("secured-orders") || topics.body().contains("secret-payroll"), topics.body());
        assertEquals(403, get(alice, "/topic?name=secret-payroll").statusCode());
        assertTrue(get(alice, "/topic?name=secret-payroll").body().contains("User:CN=alice is not allowed DESCRIBE on TOPIC "
            + "secret-payroll"));
        assertTrue(get(alice, "/charts").body().contains("User:CN=alice is not allowed DESCRIBE on CLUSTER"));
        assertEquals(200, get(alice, "/").statusCode(), "the overview is open, as DescribeCluster");
        assertTrue(get(alice, "/group?id=%3Cb%3Eteam").body().contains("User:CN=alice is not allowed DESCRIBE on GROUP &lt;b&gt;team"),
            "named, HTML-escaped");
        String token = topics.body().replaceAll("(?s).*name=\"csrf\" value=\"([0-9a-f]+)\".*", "$1");
        assertRefused(post(alice, "/topics/delete", "csrf=" + token + "&name=secured-orders&confirm=yes", console),
            "User:CN=alice is not allowed DELETE on TOPIC secured-orders", "cannot be undone");
        HttpResponse<String> create = post(alice, "/topics/create", "csrf=" + token + "&name=alices&confirm=yes", console);
        assertTrue(create.body().contains("User:CN=alice is not allowed CREATE on TOPIC alices"), create.body());

        assertEquals(ErrorCode.NONE, AdminGrpc.newBlockingStub(cluster.clientChannel(1)).createAcls(CreateAclsRequest.newBuilder()
            .addAcls(AclEntry.newBuilder().setResourceType(AclResourceType.TOPIC).setResourceName("secured-orders")
                .setPatternType(AclPatternType.LITERAL).setPrincipal("User:CN=alice").setOperation(AclOperation.READ)
                .setPermission(AclPermission.ALLOW)).build()).getError());
        // The broker enforces the ACL once it applied the record: until then the console refuses.
        Awaitility.await().atMost(Duration.ofSeconds(15))
            .until(() -> get(alice, "/messages?topic=secured-orders&partition=0").statusCode() == 200);
        assertTrue(get(alice, "/messages?topic=secured-orders&partition=0").body().contains("hello-console"));
        String visible = get(alice, "/topics").body();
        assertTrue(visible.contains("secured-orders"), visible);
        assertFalse(visible.contains("secret-payroll"), "still filtered: " + visible);
        assertEquals(200, get(alice, "/topic?name=secured-orders").statusCode(), "READ implies DESCRIBE");
        assertEquals(403, get(alice, "/topic?name=secret-payroll").statusCode());
    }

    @Test
    void aRequestWithoutClientCertificate_isRefused() throws Exception {
        assertRefused(get(noCertificate, "/topics"), "no client certificate", "secured-orders");
    }

    /** A 403 page saying {@code reason} and not showing {@code withheld}. */
    private static void assertRefused(HttpResponse<String> response, String reason, String withheld) {
        assertEquals(403, response.statusCode(), response.body());
        assertTrue(response.body().contains(reason), response.body());
        assertFalse(response.body().contains(withheld), response.body());
    }

    @Test
    void aSuperUser_readsTheClusterThroughTls_withTheNodesCertificate() throws Exception {
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
