package io.runnel.faultsuite.hosts;

import io.runnel.client.admin.RunnelAdmin;
import io.runnel.proto.v1.BrokerRegistration;
import io.runnel.proto.v1.DescribeClusterResponse;
import io.runnel.proto.v1.PartitionMetadata;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The nodes of one run, each a combined broker + controller in its own host, configured as
 * scripts/cluster configures its nodes (3 or 5 voters, 3 replicas, min.insync.replicas 2) but
 * with shorter broker and group sessions so a fault is noticed within a run.
 */
public final class Cluster implements AutoCloseable {
    public static final int CLIENT_PORT = 9092;
    private static final int INTERNAL_PORT = 9093;
    private static final int CONTROLLER_PORT = 9190;
    /** Where a node's latency proxy listens for each of its ports: the port plus this. */
    private static final int PROXY_PORT_OFFSET = 10_000;

    private final List<NodeProcess> nodes = new ArrayList<>();
    private final List<NodeDisk> disks = new ArrayList<>();
    private final String bootstrap;
    private final List<String> jvm;
    private final Path dir;
    private final List<ProxyProcess> proxies = new ArrayList<>();

    /**
     * @param jvm             {@code java}, its flags and {@code -cp CLASSPATH} for every node
     * @param brokerSessionMs broker.session.timeout.ms (heartbeats every quarter of it)
     * @param diskMb          size of each node's own filesystem (a tmpfs under its directory); 0 for none
     */
    public Cluster(List<Host> hosts, Path dir, List<String> jvm, long brokerSessionMs, int diskMb) {
        String voters = "";
        for (int i = 0; i < hosts.size(); i++) {
            voters += (i == 0 ? "" : ",") + (i + 1) + "@" + hosts.get(i).ip() + ":" + CONTROLLER_PORT;
        }
        for (int i = 0; i < hosts.size(); i++) {
            Host h = hosts.get(i);
            Map<String, String> s = new HashMap<>();
            s.put("RUNNEL_NODE_ID", Integer.toString(i + 1));
            s.put("RUNNEL_LISTENER", h.ip() + ":" + CLIENT_PORT);
            s.put("RUNNEL_INTERNAL_LISTENER", h.ip() + ":" + INTERNAL_PORT);
            s.put("RUNNEL_CONTROLLER_LISTENER", h.ip() + ":" + CONTROLLER_PORT);
            s.put("RUNNEL_ADVERTISED_HOST", h.ip());
            s.put("RUNNEL_QUORUM_VOTERS", voters);
            s.put("RUNNEL_DEFAULT_MIN_INSYNC_REPLICAS", "2");
            s.put("RUNNEL_DEFAULT_REPLICATION_FACTOR", "3");
            s.put("RUNNEL_OFFSETS_TOPIC_NUM_PARTITIONS", "3");
            s.put("RUNNEL_BROKER_SESSION_TIMEOUT_MS", Long.toString(brokerSessionMs));
            s.put("RUNNEL_BROKER_HEARTBEAT_INTERVAL_MS", Long.toString(brokerSessionMs / 4));
            nodes.add(new NodeProcess(i + 1, h, dir, s, jvm));
            if (diskMb > 0) {
                disks.add(new NodeDisk(dir.resolve("node-" + (i + 1)), diskMb));
            }
        }
        this.jvm = List.copyOf(jvm);
        this.dir = dir;
        this.bootstrap = hosts.stream().map(h -> h.ip() + ":" + CLIENT_PORT).collect(Collectors.joining(","));
    }

    public String bootstrap() {
        return bootstrap;
    }

    public List<NodeProcess> nodes() {
        return List.copyOf(nodes);
    }

    public NodeProcess node(int id) {
        return nodes.get(id - 1);
    }

    /** Mounts each node's filesystem (if it has one) and starts every node. */
    public void start() {
        disks.forEach(NodeDisk::mount);
        nodes.forEach(NodeProcess::start);
    }

    /** Node {@code id}'s own filesystem, if the nodes have one. */
    public Optional<NodeDisk> disk(int id) {
        return disks.isEmpty() ? Optional.empty() : Optional.of(disks.get(id - 1));
    }

    /**
     * Waits until a controller is active and every node is a registered, unfenced broker.
     *
     * @throws IllegalStateException naming what was missing at the deadline
     */
    public void awaitReady(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer";
        try (RunnelAdmin admin = new RunnelAdmin(bootstrap, Duration.ofSeconds(2))) {
            while (System.nanoTime() < deadline) {
                for (NodeProcess n : nodes) {
                    if (!n.alive()) {
                        throw new IllegalStateException("node " + n.id() + " exited; see " + n.logFile());
                    }
                }
                try {
                    DescribeClusterResponse d = admin.describeCluster();
                    long ready = d.getImage().getBrokersList().stream().filter(b -> !b.getFenced()).count();
                    if (d.getControllerId() >= 0 && ready == nodes.size()) {
                        return;
                    }
                    last = "controller " + d.getControllerId() + ", unfenced brokers " + ready;
                } catch (RuntimeException e) {
                    last = e.getMessage();
                }
                Thread.sleep(200); // waiting for real processes to come up
            }
        }
        throw new IllegalStateException("cluster not ready within " + timeout + ": " + last + "; node logs in "
            + nodes.get(0).logFile().getParent());
    }

    /** The node id of the active controller, -1 if there is none or nobody answered. */
    public int activeController() {
        try (RunnelAdmin admin = new RunnelAdmin(bootstrap, Duration.ofSeconds(3))) {
            return admin.describeCluster().getControllerId();
        } catch (RuntimeException e) {
            return -1;
        }
    }

    /**
     * Removes node {@code id} from the controller quorum; it keeps running (a broker, and a
     * controller outside the quorum) until {@link #addVoter} takes it back.
     *
     * @return the voters afterwards
     * @throws RunnelAdmin.AdminException if the cluster refuses (the message says why)
     */
    public List<Integer> removeVoter(int id) {
        try (RunnelAdmin admin = new RunnelAdmin(bootstrap, Duration.ofSeconds(20))) {
            return admin.removeVoter(id);
        }
    }

    /**
     * Adds node {@code id} (started with quorum.join=true) to the controller quorum at its Raft
     * address, trying again for up to a minute while it is still starting or the cluster has no
     * active controller.
     *
     * @return the voters afterwards
     * @throws IllegalStateException with the last refusal if it was not added within the minute
     */
    public List<Integer> addVoter(int id) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        String last = "";
        while (System.nanoTime() < deadline) {
            try (RunnelAdmin admin = new RunnelAdmin(bootstrap, Duration.ofSeconds(10))) {
                return admin.addVoter(id, node(id).host().ip(), CONTROLLER_PORT + 1);
            } catch (RuntimeException e) {
                last = e.getMessage();
                if (last != null && last.contains("is already a voter")) {
                    return List.of();
                }
            }
            Thread.sleep(2_000); // the node's JVM is starting
        }
        throw new IllegalStateException("node " + id + " was not added back as a voter within a minute: " + last);
    }

    /** Partition to leader id (-1 without a leader) of {@code topic}; empty if nobody answered. */
    public Map<Integer, Integer> leaders(String topic) {
        try (RunnelAdmin admin = new RunnelAdmin(bootstrap, Duration.ofSeconds(3))) {
            Map<Integer, Integer> leaders = new HashMap<>();
            for (PartitionMetadata p : admin.describeTopic(topic).getPartitionsList()) {
                leaders.put(p.getPartition(), p.getLeaderId());
            }
            return leaders;
        } catch (RuntimeException e) {
            return Map.of();
        }
    }

    /** Unfenced broker ids as the controller sees them, for the report of a failed run. */
    public List<Integer> unfenced() {
        try (RunnelAdmin admin = new RunnelAdmin(bootstrap, Duration.ofSeconds(3))) {
            return admin.describeCluster().getImage().getBrokersList().stream().filter(b -> !b.getFenced())
                .map(BrokerRegistration::getBrokerId).toList();
        } catch (RuntimeException e) {
            return List.of();
        }
    }

    /**
     * The cluster as it answers now, for the report of a failed run: active controller, brokers
     * (fenced or not), and each partition's leader, epoch and ISR of the given topics.
     */
    public String describe(List<String> topics) {
        StringBuilder out = new StringBuilder();
        try (RunnelAdmin admin = new RunnelAdmin(bootstrap, Duration.ofSeconds(5))) {
            DescribeClusterResponse d = admin.describeCluster();
            out.append("active controller ").append(d.getControllerId()).append(", metadata offset ")
                .append(d.getImage().getOffset()).append('\n');
            for (BrokerRegistration b : d.getImage().getBrokersList()) {
                out.append("broker ").append(b.getBrokerId()).append(b.getFenced() ? " FENCED" : " unfenced").append('\n');
            }
            for (String topic : topics) {
                for (PartitionMetadata p : admin.describeTopic(topic).getPartitionsList()) {
                    out.append(topic).append('-').append(p.getPartition()).append(": leader ").append(p.getLeaderId())
                        .append(" epoch ").append(p.getLeaderEpoch()).append(" replicas ").append(p.getReplicasList())
                        .append(" isr ").append(p.getIsrList()).append('\n');
                }
            }
        } catch (RuntimeException e) {
            out.append("(no answer: ").append(e.getMessage()).append(")\n");
        }
        return out.toString();
    }

    /**
     * Every listener port of a node (client, internal, controller, Raft) and the port its latency
     * proxy takes connections for it on.
     */
    public static Map<Integer, Integer> proxyPorts() {
        Map<Integer, Integer> ports = new TreeMap<>();
        for (int port : List.of(CLIENT_PORT, INTERNAL_PORT, CONTROLLER_PORT, CONTROLLER_PORT + 1)) {
            ports.put(port, port + PROXY_PORT_OFFSET);
        }
        return ports;
    }

    /**
     * Starts a latency proxy in the node's host for each of its ports ({@link #proxyPorts()}): the
     * caller then points connections at it ({@link Network#redirectInbound}).
     */
    public synchronized void startLatencyProxy(NodeProcess node, long delayMs, long jitterMs, long seed)
        throws InterruptedException {
        proxies.add(new ProxyProcess(node.host(), jvm, proxyPorts(), delayMs, jitterMs, seed,
            dir.resolve("node-" + node.id() + "-latency.log")));
    }

    /**
     * Stops every latency proxy. Call it between {@link Network#directNewConnections} and
     * {@link Network#healAll}: see the first for why.
     */
    public synchronized void stopLatencyProxies() {
        proxies.forEach(ProxyProcess::stop);
        proxies.clear();
    }

    @Override
    public void close() {
        stopLatencyProxies();
        nodes.forEach(NodeProcess::stop);
        disks.forEach(NodeDisk::unmount);
    }
}
