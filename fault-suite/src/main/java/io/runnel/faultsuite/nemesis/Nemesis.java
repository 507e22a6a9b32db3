package io.runnel.faultsuite.nemesis;

import io.runnel.faultsuite.hosts.Cluster;
import io.runnel.faultsuite.hosts.Host;
import io.runnel.faultsuite.hosts.Network;
import io.runnel.faultsuite.hosts.NodeProcess;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;

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
            case KILL_LEADER -> kill(kind, leaderOrRandom());
            case KILL_CONTROLLER -> kill(kind, randomNode());
            case KILL_ACTIVE_CONTROLLER -> kill(kind, activeControllerOrRandom());
            case PAUSE_LEADER -> pause(kind, leaderOrRandom());
            case PAUSE_NODE -> pause(kind, randomNode());
            case ISOLATE_LEADER -> isolate(kind, leaderOrRandom());
            case ISOLATE_ACTIVE_CONTROLLER -> isolate(kind, activeControllerOrRandom());
            case SPLIT_MINORITY -> splitMinority();
            case ONE_WAY -> oneWay();
            case PACKET_LOSS -> packetLoss();
        };
    }

    /** Restores every link, resumes paused nodes and restarts killed ones (on their data). */
    public void healAll() {
        network.healAll();
        cluster.nodes().forEach(NodeProcess::heal);
    }

    private String kill(FaultKind kind, NodeProcess node) {
        node.kill();
        return kind.label() + "(n" + node.id() + ")";
    }

    private String pause(FaultKind kind, NodeProcess node) {
        node.pause();
        return kind.label() + "(n" + node.id() + ")";
    }

    private String isolate(FaultKind kind, NodeProcess node) {
        List<Host> others = new ArrayList<>(otherNodes(node));
        others.add(client);
        network.cut(node.host(), others);
        return kind.label() + "(n" + node.id() + ")";
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

    private List<Host> otherNodes(NodeProcess node) {
        return cluster.nodes().stream().filter(n -> n != node).map(NodeProcess::host).toList();
    }

    private NodeProcess randomNode() {
        return cluster.nodes().get(random.nextInt(cluster.nodes().size()));
    }

    /** The leader of a random partition; a random node if no partition has a leader to name. */
    private NodeProcess leaderOrRandom() {
        Map<Integer, Integer> leaders = cluster.leaders(topic);
        int pick = random.nextInt(Math.max(1, leaders.size()));
        Integer leader = leaders.get(pick);
        return leader == null || leader < 1 ? randomNode() : cluster.node(leader);
    }

    private NodeProcess activeControllerOrRandom() {
        int id = cluster.activeController();
        return id < 1 ? randomNode() : cluster.node(id);
    }
}
