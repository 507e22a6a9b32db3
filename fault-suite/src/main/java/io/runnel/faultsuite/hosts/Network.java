package io.runnel.faultsuite.hosts;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Cuts and heals links between hosts with iptables rules inside their network namespaces (the
 * rules live and die with the namespace; the root namespace is never touched). A host's rules
 * drop packets from or to chosen peer addresses; loopback stays open.
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

    /** Removes every rule of every host. */
    public void healAll() {
        List<RuntimeException> failures = new ArrayList<>();
        for (Host h : hosts) {
            try {
                Commands.inNetns(h.netns(), "iptables", "-F", "INPUT");
                Commands.inNetns(h.netns(), "iptables", "-F", "OUTPUT");
            } catch (RuntimeException e) {
                failures.add(e);
            }
        }
        if (!failures.isEmpty()) {
            throw failures.get(0);
        }
    }
}
