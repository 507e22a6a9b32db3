package io.runnel.broker.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runnel.broker.node.TestCertificates;
import io.runnel.security.ClientAuth;
import io.runnel.security.Principal;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code tls.*} and {@code cluster.principal} settings: read, files loaded at start-up, each problem named by its key. */
class SecuritySettingsTest {
    @TempDir
    static Path tmp;
    private static TestCertificates certs;

    @BeforeAll
    static void certificates() throws IOException {
        certs = TestCertificates.make(tmp.resolve("certs"), "settings-test-ca", 2, "alice");
    }

    private static NodeConfig load(Map<String, String> settings, Map<String, String> env) {
        Properties p = new Properties();
        p.putAll(settings);
        return NodeConfig.load(p, env, "h");
    }

    private static String problems(Map<String, String> settings) {
        return assertThrows(IllegalArgumentException.class, () -> load(settings, Map.of())).getMessage();
    }

    private static Map<String, String> node1(String... overrides) {
        Map<String, String> settings = new HashMap<>(certs.nodeSettings(1));
        settings.put("node.id", "1");
        for (int i = 0; i < overrides.length; i += 2) {
            settings.put(overrides[i], overrides[i + 1]);
        }
        return settings;
    }

    @Test
    void offByDefault_andOnWithTheNodesFiles_fromPropertiesOrEnvironment() {
        SecuritySettings plaintext = load(Map.of("node.id", "1"), Map.of()).security();
        assertFalse(plaintext.tlsEnabled());
        assertFalse(plaintext.clusterAccess().isEnforced());

        SecuritySettings tls = load(node1(), Map.of()).security();
        assertTrue(tls.tlsEnabled());
        assertEquals(ClientAuth.REQUIRED, tls.clientAuth());
        assertEquals(Principal.parse("User:CN=runnel-node-1"), tls.load().orElseThrow().principal().orElseThrow());

        SecuritySettings env = load(Map.of("node.id", "2"), Map.of("RUNNEL_TLS_ENABLED", "true",
            "RUNNEL_TLS_CA_FILE", certs.ca().toString(), "RUNNEL_TLS_CERT_FILE", certs.node(2).certFile().toString(),
            "RUNNEL_TLS_KEY_FILE", certs.node(2).keyFile().toString(), "RUNNEL_TLS_CLIENT_AUTH", "none")).security();
        assertTrue(env.clusterAccess().isEnforced());
        assertEquals(ClientAuth.NONE, env.clientAuth());
    }

    /** Nodes sharing their settings (a StatefulSet's pods) name their own files with {id}. */
    @Test
    void certificateAndKeyPaths_takeTheNodeIdForId() {
        Path dir = certs.ca().getParent();
        for (int id = 1; id <= 2; id++) {
            SecuritySettings shared = load(Map.of("node.id", Integer.toString(id), "tls.enabled", "true",
                "tls.ca.file", certs.ca().toString(), "tls.cert.file", dir.resolve("node-{id}.pem").toString(),
                "tls.key.file", dir.resolve("node-{id}-key.pem").toString()), Map.of()).security();
            assertEquals(certs.node(id).certFile(), shared.tls().certFile());
            assertEquals(Principal.parse("User:CN=runnel-node-" + id), shared.load().orElseThrow().principal().orElseThrow());
        }
    }

    @Test
    void missingFiles_badValues_andFilesWithoutTls_areNamed() {
        String missing = problems(Map.of("node.id", "1", "tls.enabled", "true"));
        for (String key : new String[] {"tls.ca.file", "tls.cert.file", "tls.key.file"}) {
            assertTrue(missing.contains(key + " is required with tls.enabled=true"), missing);
        }
        String bad = problems(Map.of("node.id", "1", "tls.enabled", "yes", "tls.client.auth", "maybe",
            "cluster.principal", "User:CN=node", "tls.ca.file", "/x.pem"));
        assertTrue(bad.contains("tls.enabled must be true or false, got 'yes'"), bad);
        assertTrue(bad.contains("tls.client.auth: 'maybe' is not none, requested or required"), bad);
        assertTrue(bad.contains("cluster.principal: 'User:CN=node' must hold {id} exactly once"), bad);
        assertTrue(bad.contains("tls.ca.file is set but tls.enabled is not true"), bad);
    }

    @Test
    void unreadableOrWrongFiles_areNamedByKey() {
        String noCa = problems(node1("tls.ca.file", tmp.resolve("nope.pem").toString()));
        assertTrue(noCa.contains("tls.ca.file: " + tmp.resolve("nope.pem") + " cannot be read"), noCa);

        String certAsKey = problems(node1("tls.key.file", certs.ca().toString()));
        assertTrue(certAsKey.contains("tls.key.file: ") && certAsKey.contains("is not an unencrypted PKCS#8 PEM private key"),
            certAsKey);

        String otherKey = problems(node1("tls.key.file", certs.node(2).keyFile().toString()));
        assertTrue(otherKey.contains("tls.key.file: ") && otherKey.contains("is not the private key of the certificate in"),
            otherKey);

        String otherNode = problems(node1("tls.cert.file", certs.node(2).certFile().toString(),
            "tls.key.file", certs.node(2).keyFile().toString()));
        assertTrue(otherNode.contains("tls.cert.file authenticates as User:CN=runnel-node-2 but node 1 must be "
            + "User:CN=runnel-node-1 (cluster.principal=User:CN=runnel-node-{id})"), otherNode);

    }

    @Test
    void authorizerWithoutTls_warnsNamingEachListener_andNothingElseWarns() {
        NodeConfig plain = load(Map.of("node.id", "1", "authorizer.enabled", "true", "listener", "127.0.0.1:9092",
            "internal.listener", "127.0.0.1:9093", "controller.listener", "127.0.0.1:9192"), Map.of());
        List<String> warnings = SecurityWarnings.of(plain);
        assertEquals(3, warnings.size(), warnings.toString());
        assertEquals("authorizer.enabled=true but the client listener (listener=127.0.0.1:9092) has no TLS (tls.enabled=false): every "
            + "caller there is User:ANONYMOUS, so ACLs and producer ids cannot tell callers apart and anyone who can connect "
            + "passes for anyone else; set tls.enabled=true with certificates", warnings.get(0));
        assertTrue(warnings.get(1).startsWith("authorizer.enabled=true but the internal listener (internal.listener=127.0.0.1:9093) "
            + "has no TLS"),
            warnings.get(1));
        assertTrue(warnings.get(2).startsWith("authorizer.enabled=true but the controller listener and Raft "
            + "(controller.listener=127.0.0.1:9192) has no TLS"), warnings.get(2));

        NodeConfig noClientCertificates = load(node1("authorizer.enabled", "true", "tls.client.auth", "none"), Map.of());
        assertEquals(List.of("authorizer.enabled=true but the client listener (listener="
            + noClientCertificates.clientListener().getHostString() + ":" + noClientCertificates.clientListener().getPort()
            + ") asks no client certificate (tls.client.auth=none): every caller there is User:ANONYMOUS, so ACLs and producer ids "
            + "cannot tell callers apart and anyone who can connect passes for anyone else; set tls.client.auth=required"),
            SecurityWarnings.of(noClientCertificates));

        assertEquals(List.of(), SecurityWarnings.of(load(node1("authorizer.enabled", "true"), Map.of())), "TLS, client certificates");
        assertEquals(List.of(), SecurityWarnings.of(load(Map.of("node.id", "1"), Map.of())), "plaintext without the authorizer");
        assertEquals(List.of(), SecurityWarnings.of(load(node1("tls.client.auth", "none"), Map.of())), "no authorizer");
    }
}
