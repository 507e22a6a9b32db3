package io.runnel.broker.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runnel.broker.node.TestCertificates;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code console.listener}: off by default, checked at start-up, loopback only while the authorizer
 * is on without TLS; anywhere with TLS (HTTPS with client certificates).
 */
class ConsoleSettingsTest {
    private static NodeConfig load(Map<String, String> settings) {
        Properties p = new Properties();
        p.setProperty("node.id", "1");
        settings.forEach(p::setProperty);
        return NodeConfig.load(p, Map.of(), "h");
    }

    private static String problem(Map<String, String> settings) {
        return assertThrows(IllegalArgumentException.class, () -> load(settings)).getMessage();
    }

    @Test
    void offByDefault_andWhenEmpty() {
        assertFalse(load(Map.of()).console().enabled());
        assertEquals(ConsoleSettings.OFF, load(Map.of("console.listener", " ")).console());
    }

    @Test
    void setByFileOrEnvironment() {
        assertEquals(new ConsoleSettings(InetSocketAddress.createUnresolved("0.0.0.0", 9080)),
            load(Map.of("console.listener", "0.0.0.0:9080")).console());
        Properties p = new Properties();
        p.setProperty("node.id", "1");
        assertEquals(InetSocketAddress.createUnresolved("127.0.0.1", 0),
            NodeConfig.load(p, Map.of("RUNNEL_CONSOLE_LISTENER", "127.0.0.1:0"), "h").console().listener());
    }

    @Test
    void badAddress_isNamed() {
        for (String bad : new String[] {"9080", "host:", "host:70000", "host:x", ":80"}) {
            String message = problem(Map.of("console.listener", bad));
            assertTrue(message.contains("console.listener '" + bad + "' is not <host>:<port>"), message);
        }
    }

    @Test
    void withTheAuthorizerOnWithoutTls_onlyLoopback() {
        String message = problem(Map.of("authorizer.enabled", "true", "console.listener", "0.0.0.0:9080"));
        assertTrue(message.contains("console.listener '0.0.0.0:9080' must be a loopback address"), message);
        assertTrue(message.contains("while authorizer.enabled is true without tls.enabled"), message);
        for (String loopback : new String[] {"127.0.0.1:9080", "localhost:9080", "[::1]:9080", "127.1.2.3:0"}) {
            assertTrue(load(Map.of("authorizer.enabled", "true", "console.listener", loopback)).console().enabled(), loopback);
        }
        assertTrue(load(Map.of("authorizer.enabled", "true")).console().listener() == null, "off stays allowed");
    }

    @Test
    void withTls_anyAddress(@TempDir Path tmp) throws IOException {
        TestCertificates certs = TestCertificates.make(tmp, "console-settings-ca", 1);
        Map<String, String> settings = new HashMap<>(certs.nodeSettings(1));
        settings.put("console.listener", "0.0.0.0:9080");
        assertEquals(InetSocketAddress.createUnresolved("0.0.0.0", 9080), load(settings).console().listener(), "TLS alone");
        settings.put("authorizer.enabled", "true");
        assertEquals(InetSocketAddress.createUnresolved("0.0.0.0", 9080), load(settings).console().listener(),
            "TLS and the authorizer: HTTPS, each page checked");
    }

    @Test
    void onlyBrokersServeIt() {
        String message = problem(Map.of("roles", "controller", "console.listener", "127.0.0.1:9080"));
        assertTrue(message.contains("console.listener is set but this node is not a broker"), message);
    }

    @Test
    void isLoopback_withoutDns() {
        assertTrue(ConsoleSettings.isLoopback("127.0.0.1"));
        assertTrue(ConsoleSettings.isLoopback("LOCALHOST"));
        assertTrue(ConsoleSettings.isLoopback("::1"));
        assertFalse(ConsoleSettings.isLoopback("127.0.0.1.example.com"));
        assertFalse(ConsoleSettings.isLoopback("0.0.0.0"));
        assertFalse(ConsoleSettings.isLoopback("10.0.0.1"));
    }
}
