package io.runnel.faultsuite.nemesis;

import io.runnel.faultsuite.hosts.Cluster;
import io.runnel.faultsuite.hosts.Host;
import io.runnel.faultsuite.hosts.Network;
import io.runnel.faultsuite.hosts.NodeDisk;
import io.runnel.faultsuite.hosts.NodeProcess;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * Starts faults against a cluster and heals them all at once. Targets (which leader, which node,
 * which minority) come from the run's random source, so a seed names the same faults again; the
 * roles (leader, active controller) are asked of the cluster when the fault starts.
 */
public final class Nemesis {
    private final Cluster cluster;
    private final Network network;
    private final Host client;
    private final String topic;
    private final Random random;
    /** Nodes a fault of this run already took (killed, paused, cut off): a second fault picks another. */
    private final Set<Integer> struck = new HashSet<>();
    /** Voters this run removed from the quorum: added back at heal. */
    private final List<Integer> removedVoters = new ArrayList<>();
    /** Nodes whose disk this run filled: restarted at heal (an offline log directory recovers on restart, as in Kafka). */
    private final List<NodeProcess> filled = new ArrayList<>();

    public Nemesis(Cluster cluster, Network network, Host client, String topic, Random random) {
        this.cluster = cluster;
        this.network = network;
        this.client = client;
        this.topic = topic;
        this.random = random;
    }

    /** Picks one fault, or (one run in four) two that will overlap. */
    public static List<FaultKind> plan(Random random, List<FaultKind> allowed) {
        FaultKind first = allowed.get(random.nextInt(allowed.size()));
        if (allowed.size() < 2 || random.nextInt(4) != 0) {
            return List.of(first);
        }
        FaultKind second;
        do {
            second = allowed.get(random.nextInt(allowed.size()));
        } while (second == first);
        return List.of(first, second);
    }

    /** Starts the fault; returns what it did, e.g. {@code kill-leader(n2)}. */
    public String start(FaultKind kind) {
        return switch (kind) {
            case KILL_LEADER -> strike(kind, leaderOrRandom(), NodeProcess::kill);
            case KILL_CONTROLLER -> strike(kind, randomNode(), NodeProcess::kill);
            case KILL_ACTIVE_CONTROLLER -> strike(kind, activeControllerOrRandom(), NodeProcess::kill);
            case RESTART_EMPTY_LEADER -> strike(kind, leaderOrRandom(), Nemesis::restartEmpty);
            case PAUSE_LEADER -> strike(kind, leaderOrRandom(), NodeProcess::pause);
            case PAUSE_NODE -> strike(kind, randomNode(), NodeProcess::pause);
            case DISK_FULL_LEADER -> strike(kind, leaderOrRandom(), this::fillDisk);
            case ISOLATE_LEADER -> strike(kind, leaderOrRandom(), this::isolate);
            case ISOLATE_ACTIVE_CONTROLLER -> strike(kind, activeControllerOrRandom(), this::isolate);
            case SPLIT_MINORITY -> splitMinority();
            case ONE_WAY -> oneWay();
            case PACKET_LOSS -> packetLoss();
            case LATENCY -> latency();
            case REMOVE_VOTER -> removeVoter();
        };
    }

    /**
     * Restores every link, resumes paused nodes, restarts killed ones (on their data), and restarts
     * removed voters with a fresh Raft directory and adds them back.
     *
     * @throws RuntimeException if a removed voter cannot be added back (the run fails naming it)
     */
    public void healAll() throws InterruptedException {
        struck.clear();
        // Latency proxies go in three steps (Network#directNewConnections says why): new connections
        // direct and no longer dropped, then the proxies killed while their redirects still translate
        // the closes of the connections they carried, then every rule removed.
        network.directNewConnections();
        cluster.stopLatencyProxies();
        network.healAll();
        cluster.nodes().forEach(n -> cluster.disk(n.id()).ifPresent(NodeDisk::free));
        for (NodeProcess n : filled) {
            n.kill(); // its log directory went offline at the first failed write; a restart brings it back
        }
        filled.clear();
        cluster.nodes().forEach(NodeProcess::heal);
        for (int id : removedVoters) {
            cluster.node(id).rejoinQuorum();
            cluster.addVoter(id);
        }
        removedVoters.clear();
    }

    /** Does {@code fault} to one node, which a second fault of the run then leaves alone. */
    private String strike(FaultKind kind, NodeProcess node, Consumer<NodeProcess> fault) {
        struck.add(node.id());
        fault.accept(node);
        return kind.label() + "(n" + node.id() + ")";
    }

    private static void restartEmpty(NodeProcess node) {
        node.kill();
        node.deleteData();
        node.start();
    }

    private void fillDisk(NodeProcess node) {
        filled.add(node);
        cluster.disk(node.id()).orElseThrow(() -> new IllegalStateException("disk-full needs the nodes' own disks (--disk-mb)"))
            .fill();
    }

    private void isolate(NodeProcess node) {
        List<Host> others = new ArrayList<>(otherNodes(node));
        others.add(client);
        network.cut(node.host(), others);
    }

    private String splitMinority() {
        List<NodeProcess> shuffled = new ArrayList<>(cluster.nodes());
        Collections.shuffle(shuffled, random);
        int minority = (shuffled.size() - 1) / 2;
        List<NodeProcess> small = shuffled.subList(0, minority);
        List<Host> majority = shuffled.subList(minority, shuffled.size()).stream().map(NodeProcess::host).toList();
        StringBuilder ids = new StringBuilder();
        for (NodeProcess n : small) {
            network.cut(n.host(), majority);
            ids.append(ids.isEmpty() ? "" : "+").append("n").append(n.id());
        }
        return FaultKind.SPLIT_MINORITY.label() + "(" + ids + ")";
    }

    private String oneWay() {
        NodeProcess node = randomNode();
        network.cutInbound(node.host(), otherNodes(node));
        return FaultKind.ONE_WAY.label() + "(n" + node.id() + " deaf)";
    }

    private String packetLoss() {
        int percent = 10 + random.nextInt(21);
        for (NodeProcess n : cluster.nodes()) {
            List<Host> peers = new ArrayList<>(otherNodes(n));
            peers.add(client);
            network.lose(n.host(), peers, percent / 100.0);
        }
        return FaultKind.PACKET_LOSS.label() + "(" + percent + "%)";
    }

    private String latency() {
        int delayMs = 50 + random.nextInt(251);
        int jitterMs = random.nextInt(delayMs / 2 + 1);
        for (NodeProcess n : cluster.nodes()) {
            List<Host> peers = new ArrayList<>(otherNodes(n));
            peers.add(client);
            try {
                cluster.startLatencyProxy(n, delayMs, jitterMs, random.nextLong());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted starting the latency proxies", e);
            }
            network.redirectInbound(n.host(), peers, Cluster.proxyPorts());
        }
        return FaultKind.LATENCY.label() + "(" + delayMs + "+" + jitterMs + " ms)";
    }

    private String removeVoter() {
        NodeProcess node = random.nextBoolean() ? activeControllerOrRandom() : randomNode();
        struck.add(node.id());
        try {
            List<Integer> voters = cluster.removeVoter(node.id());
            removedVoters.add(node.id());
            return FaultKind.REMOVE_VOTER.label() + "(n" + node.id() + ", voters " + voters + ")";
        } catch (RuntimeException e) {
            return FaultKind.REMOVE_VOTER.label() + "(n" + node.id() + " refused: " + e.getMessage() + ")";
        }
    }

    private List<Host> otherNodes(NodeProcess node) {
        return cluster.nodes().stream().filter(n -> n != node).map(NodeProcess::host).toList();
    }

    /** A random node no fault of this run took yet (any node if every one was). */
    private NodeProcess randomNode() {
        List<NodeProcess> candidates = cluster.nodes().stream().filter(n -> !struck.contains(n.id())).toList();
        List<NodeProcess> from = candidates.isEmpty() ? cluster.nodes() : candidates;
        return from.get(random.nextInt(from.size()));
    }

    /**
     * The leader of a random partition, among leaders no fault took yet (the metadata may still
     * name a node the first fault took); a random node if there is none to name.
     */
    private NodeProcess leaderOrRandom() {
        List<Integer> leaders = new ArrayList<>(new TreeSet<>(cluster.leaders(topic).values()));
        leaders.removeIf(id -> id < 1 || struck.contains(id));
        return leaders.isEmpty() ? randomNode() : cluster.node(leaders.get(random.nextInt(leaders.size())));
    }

    private NodeProcess activeControllerOrRandom() {
        int id = cluster.activeController();
        return id < 1 || struck.contains(id) ? randomNode() : cluster.node(id);
    }
}
