package io.runnel.broker.config;

import io.runnel.security.ClientAuth;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * What a node's settings leave open that their author probably did not mean: the authorizer on
 * while a listener authenticates nobody (every caller there is {@code User:ANONYMOUS}, and an ACL
 * for a principal cannot be told from one for anybody). Logged as warnings at start-up; the node
 * starts anyway, since ACLs on a plaintext test cluster are a legitimate thing to try.
 */
public final class SecurityWarnings {
    private SecurityWarnings() {
    }

    /** One line per problem, each naming the listener (its key and address) and the settings to change. */
    public static List<String> of(NodeConfig config) {
        SecuritySettings security = config.security();
        List<String> out = new ArrayList<>();
        if (!security.authorizer().enabled()) {
            return out;
        }
        String anonymous = "every caller there is User:ANONYMOUS, so ACLs and producer ids cannot tell callers apart "
            + "and anyone who can connect passes for anyone else";
        if (!security.tlsEnabled()) {
            List<String> listeners = new ArrayList<>();
            if (config.isBroker()) {
                listeners.add("the client listener (" + setting(NodeConfig.LISTENER, config.clientListener()) + ")");
                listeners.add("the internal listener (" + setting(NodeConfig.INTERNAL_LISTENER, config.internalListener()) + ")");
            }
            if (config.isController()) {
                listeners.add("the controller listener and Raft (" + setting(NodeConfig.CONTROLLER_LISTENER,
                    config.controllerListener()) + ")");
            }
            for (String listener : listeners) {
                out.add(AuthorizerSettings.AUTHORIZER_ENABLED + "=true but " + listener + " has no TLS ("
                    + SecuritySettings.TLS_ENABLED + "=false): " + anonymous + "; set " + SecuritySettings.TLS_ENABLED
                    + "=true with certificates");
            }
        } else if (config.isBroker() && security.clientAuth() == ClientAuth.NONE) {
            out.add(AuthorizerSettings.AUTHORIZER_ENABLED + "=true but the client listener ("
                + setting(NodeConfig.LISTENER, config.clientListener()) + ") asks no client certificate (" + SecuritySettings.TLS_CLIENT_AUTH + "=none): "
                + anonymous + "; set " + SecuritySettings.TLS_CLIENT_AUTH + "=required");
        }
        return out;
    }

    private static String setting(String key, InetSocketAddress address) {
        return key + "=" + address.getHostString() + ":" + address.getPort();
    }
}
