package io.runnel.broker.config;

import io.runnel.security.Principal;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Whether brokers check ACLs, and who skips them. Off by default, so a local cluster works as it
 * always did; once on, a call no ACL allows is refused (deny by default). Cluster nodes
 * ({@code cluster.principal}) always skip the checks, as do the super users.
 *
 * @param enabled    {@code authorizer.enabled}
 * @param superUsers {@code super.users}: principals separated by semicolons, as Kafka writes them
 *                   ({@code User:CN=admin;User:CN=ops,O=acme}); semicolons because a DN has commas
 */
public record AuthorizerSettings(boolean enabled, Set<Principal> superUsers) {
    public static final String AUTHORIZER_ENABLED = "authorizer.enabled";
    public static final String SUPER_USERS = "super.users";

    public static final AuthorizerSettings DISABLED = new AuthorizerSettings(false, Set.of());

    public AuthorizerSettings {
        superUsers = Set.copyOf(superUsers);
    }

    /** Reads the keys above; problems go to {@code problems}, each naming its key. */
    static AuthorizerSettings parse(Map<String, String> settings, List<String> problems) {
        String enabled = settings.getOrDefault(AUTHORIZER_ENABLED, "false").trim();
        if (!enabled.equals("true") && !enabled.equals("false")) {
            problems.add(AUTHORIZER_ENABLED + " must be true or false, got '" + enabled + "'");
        }
        Set<Principal> superUsers = new LinkedHashSet<>();
        for (String entry : settings.getOrDefault(SUPER_USERS, "").split(";")) {
            if (entry.isBlank()) {
                continue;
            }
            try {
                superUsers.add(Principal.parse(entry.trim()));
            } catch (IllegalArgumentException e) {
                problems.add(SUPER_USERS + ": " + e.getMessage() + " (separate principals with ';')");
            }
        }
        return new AuthorizerSettings(enabled.equals("true"), superUsers);
    }
}
