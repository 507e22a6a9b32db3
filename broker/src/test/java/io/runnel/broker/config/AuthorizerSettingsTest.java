package io.runnel.broker.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runnel.security.Principal;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@code authorizer.enabled} and {@code super.users}: off by default, Kafka's syntax, a bad value named by its key. */
class AuthorizerSettingsTest {
    private static NodeConfig load(Map<String, String> settings, Map<String, String> env) {
        Properties p = new Properties();
        p.put("node.id", "1");
        p.putAll(settings);
        return NodeConfig.load(p, env, "h");
    }

    @Test
    void offByDefault_withNoSuperUsers() {
        AuthorizerSettings settings = load(Map.of(), Map.of()).security().authorizer();
        assertFalse(settings.enabled());
        assertEquals(Set.of(), settings.superUsers());
    }

    @Test
    void on_withSemicolonSeparatedSuperUsers_whoseDnsHaveCommas_fromTheFileOrTheEnvironment() {
        AuthorizerSettings settings = load(Map.of("authorizer.enabled", "true",
            "super.users", "User:CN=admin;  User:CN=ops,O=acme ;"), Map.of()).security().authorizer();
        assertTrue(settings.enabled());
        assertEquals(Set.of(Principal.parse("User:CN=admin"), Principal.parse("User:CN=ops,O=acme")), settings.superUsers());

        assertTrue(load(Map.of(), Map.of("RUNNEL_AUTHORIZER_ENABLED", "true")).security().authorizer().enabled());
    }

    @Test
    void badValues_stopTheNode_namingTheKey() {
        String enabled = assertThrows(IllegalArgumentException.class, () -> load(Map.of("authorizer.enabled", "yes"), Map.of()))
            .getMessage();
        assertTrue(enabled.contains("authorizer.enabled must be true or false, got 'yes'"), enabled);
        String superUsers = assertThrows(IllegalArgumentException.class,
            () -> load(Map.of("super.users", "User:CN=admin;CN=ops"), Map.of())).getMessage();
        assertTrue(superUsers.contains("super.users: principal 'CN=ops' is not <type>:<name>"), superUsers);
    }
}
