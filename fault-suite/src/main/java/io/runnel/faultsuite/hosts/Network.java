package io.runnel.faultsuite.hosts;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Cuts and heals links between hosts with iptables rules inside their network namespaces (the
 * rules live and die with the namespace; the root namespace is never touched). A host's rules
 * drop packets from or to chosen peer addresses, or redirect their connections to a latency
 * proxy on the same host; loopback stays open.
 */
public final class Network {
    private final List<Host> hosts;

    public Network(Collection<Host> hosts) {
        this.hosts = List.copyOf(hosts);
    }

    /** {@code host} neither receives from nor sends to any of {@code peers}. */
    public void cut(Host host, Collection<Host> peers) {
        for (Host peer : peers) {
            Commands.inNetns(host.netns(), "iptables", "-A", "INPUT", "-s", peer.ip(), "-j", "DROP");
            Commands.inNetns(host.netns(), "iptables", "-A", "OUTPUT", "-d", peer.ip(), "-j", "DROP");
        }
    }

    /** {@code host} receives nothing from {@code peers} but still sends to them (a one-way link). */
    public void cutInbound(Host host, Collection<Host> peers) {
        for (Host peer : peers) {
            Commands.inNetns(host.netns(), "iptables", "-A", "INPUT", "-s", peer.ip(), "-j", "DROP");
        }
    }

    /** {@code host} drops each packet from {@code peers} with this probability (0..1). */
    public void lose(Host host, Collection<Host> peers, double probability) {
        for (Host peer : peers) {
            Commands.inNetns(host.netns(), "iptables", "-A", "INPUT", "-s", peer.ip(), "-m", "statistic", "--mode", "random",
                "--probability", Double.toString(probability), "-j", "DROP");
        }
    }

    /**
     * Connections from {@code peers} to {@code host}'s listener ports go to the proxy ports instead
     * ({@code ports}: listener port to proxy port, on the same host): new ones are redirected (nat),
     * and established ones are reset when they next send, so their clients reconnect through the
     * proxy (a redirect applies to new connections only, and gRPC keeps its connections).
     */
    public void redirectInbound(Host host, Collection<Host> peers, Map<Integer, Integer> ports) {
        for (Host peer : peers) {
            for (Map.Entry<Integer, Integer> p : ports.entrySet()) {
                String port = Integer.toString(p.getKey());
                Commands.inNetns(host.netns(), "iptables", "-t", "nat", "-A", "PREROUTING", "-p", "tcp", "-s", peer.ip(),
                    "--dport", port, "-j", "REDIRECT", "--to-ports", Integer.toString(p.getValue()));
                // After the redirect a proxied packet's port is the proxy's: only a connection from before still has this one.
                Commands.inNetns(host.netns(), "iptables", "-A", "INPUT", "-p", "tcp", "-s", peer.ip(), "--dport", port,
                    "-j", "REJECT", "--reject-with", "tcp-reset");
            }
        }
    }

    /**
     * The first step of healing a latency fault: every host's filter rules are removed and its nat
     * redirects are bypassed for new connections (an ACCEPT in front of them), while the nat chain
     * stays. Then a latency proxy can be killed: the closes of the connections it carried still get
     * translated back to the node's port and reach their peers, and a new connection (a
     * controller's probe of a broker's listener, say) reaches the node itself. Flushed at once
     * instead, iptables-nft removes the nat hooks with the chain's last rule and those closes go
     * out untranslated: the peers never hear of them (reproduced with two namespaces and a plain
     * socket); killed with the redirect alone in place, a new connection is refused by the dead
     * proxy's port, which a controller takes for a dead broker and fences it (seen in seed 1122).
     */
    public void directNewConnections() {
        for (Host h : hosts) {
            Commands.inNetns(h.netns(), "iptables", "-F", "INPUT");
            Commands.inNetns(h.netns(), "iptables", "-F", "OUTPUT");
            Commands.inNetns(h.netns(), "iptables", "-t", "nat", "-I", "PREROUTING", "1", "-j", "ACCEPT");
        }
    }

    /** Removes every rule of every host. */
    public void healAll() {
        List<RuntimeException> failures = new ArrayList<>();
        for (Host h : hosts) {
            try {
                Commands.inNetns(h.netns(), "iptables", "-F", "INPUT");
                Commands.inNetns(h.netns(), "iptables", "-F", "OUTPUT");
                Commands.inNetns(h.netns(), "iptables", "-t", "nat", "-F", "PREROUTING");
            } catch (RuntimeException e) {
                failures.add(e);
            }
        }
        if (!failures.isEmpty()) {
            throw failures.get(0);
        }
    }
}
