package io.runnel.broker.config;

import io.runnel.broker.config.NodeConfig.Role;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads a node's listener settings: where each listener binds ({@code host:port}) and the address
 * others dial to reach it (its advertised address, {@code host:port} too). Each listener has both,
 * because the two differ behind a NAT or a published container port:
 *
 * <table>
 *   <caption>listeners</caption>
 *   <tr><th>listener</th><th>bind</th><th>advertised (default)</th></tr>
 *   <tr><td>client</td><td>{@code listener}</td><td>{@code advertised.listener} ({@code advertised.host} + its port)</td></tr>
 *   <tr><td>internal</td><td>{@code internal.listener}</td><td>{@code internal.advertised.listener} (same)</td></tr>
 *   <tr><td>external</td><td>{@code external.listener} (none)</td><td>{@code external.advertised.listener} (same)</td></tr>
 * </table>
 *
 * An advertised port 0 means the bound port (a listener bound on port 0 in tests). Problems are
 * added to the caller's list, naming the key.
 */
final class ListenerAddresses {
    private ListenerAddresses() {
    }

    /** A bind address, {@code fallback} when unset. */
    static InetSocketAddress bind(Map<String, String> settings, String key, String fallback, List<String> problems) {
        String text = settings.getOrDefault(key, fallback);
        try {
            return parse(text);
        } catch (IllegalArgumentException e) {
            problems.add(key + " '" + text + "' is not <host>:<port> with a port 0-65535");
            return InetSocketAddress.createUnresolved("0.0.0.0", 0);
        }
    }

    /**
     * The optional external listener's bind address: empty unless {@code key} is set. Its port must
     * be fixed (1-65535): the broker registers it before its servers start.
     */
    static Optional<InetSocketAddress> optionalBind(Map<String, String> settings, String key, List<String> problems) {
        if (!settings.containsKey(key)) {
            return Optional.empty();
        }
        int before = problems.size();
        InetSocketAddress address = bind(settings, key, null, problems);
        if (problems.size() == before && address.getPort() == 0) {
            problems.add(key + " '" + settings.get(key) + "' needs a fixed port 1-65535");
        }
        return Optional.of(address);
    }

    /** {@code key} as {@code host:port}, or {@code advertisedHost} with the bind port; port 0 is the bind port too. */
    static InetSocketAddress advertised(Map<String, String> settings, String key, String advertisedHost,
                                        InetSocketAddress bind, List<String> problems) {
        String text = settings.get(key);
        if (text == null) {
            return InetSocketAddress.createUnresolved(advertisedHost, bind.getPort());
        }
        try {
            InetSocketAddress address = parse(text);
            return address.getPort() == 0 ? InetSocketAddress.createUnresolved(address.getHostString(), bind.getPort()) : address;
        } catch (IllegalArgumentException e) {
            problems.add(key + " '" + text + "' is not <host>:<port> with a port 0-65535");
            return InetSocketAddress.createUnresolved(advertisedHost, bind.getPort());
        }
    }

    /**
     * The internal and external listeners need ports of their own: not the client listener's, not
     * each other's, nor a controller's API or Raft port. Port 0 (pick a free one) never clashes.
     */
    static void portsDistinct(Set<Role> roles, InetSocketAddress listener, InetSocketAddress controllerListener,
                              InetSocketAddress internalListener, Optional<InetSocketAddress> externalListener,
                              List<String> problems) {
        if (!roles.contains(Role.BROKER)) {
            return;
        }
        distinct(NodeConfig.INTERNAL_LISTENER, internalListener.getPort(), roles, listener, controllerListener, problems);
        externalListener.ifPresent(external -> {
            distinct(NodeConfig.EXTERNAL_LISTENER, external.getPort(), roles, listener, controllerListener, problems);
            if (external.getPort() != 0 && external.getPort() == internalListener.getPort()) {
                problems.add(NodeConfig.EXTERNAL_LISTENER + " port " + external.getPort() + " is also the "
                    + NodeConfig.INTERNAL_LISTENER + " port; each listener needs a port of its own");
            }
        });
    }

    private static void distinct(String key, int port, Set<Role> roles, InetSocketAddress listener,
                                 InetSocketAddress controllerListener, List<String> problems) {
        if (port == 0) {
            return;
        }
        if (port == listener.getPort()) {
            problems.add(key + " port " + port + " is also the " + NodeConfig.LISTENER
                + " port; each listener needs a port of its own");
        }
        if (roles.contains(Role.CONTROLLER) && (port == controllerListener.getPort() || port == controllerListener.getPort() + 1)) {
            problems.add(key + " port " + port + " collides with " + NodeConfig.CONTROLLER_LISTENER
                + " (its port " + controllerListener.getPort() + " and Raft on the next one)");
        }
    }

    /** {@code host:port} with a port 0-65535, unresolved. */
    static InetSocketAddress parse(String text) {
        int colon = text == null ? -1 : text.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException(text);
        }
        int port = Integer.parseInt(text.substring(colon + 1));
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(text);
        }
        return InetSocketAddress.createUnresolved(text.substring(0, colon), port);
    }
}
