package io.runnel.broker.node;

import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.runnel.broker.config.NodeConfig;
import io.runnel.broker.partition.Partition;
import io.runnel.broker.partition.TopicPartition;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.metadata.image.TopicInfo;
import io.runnel.proto.v1.AdminGrpc;
import io.runnel.proto.v1.CreateTopicsRequest;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.TopicSpec;
import java.io.IOException;
import java.net.BindException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;

/**
 * Real combined nodes (Raft voter + controller + broker) in this JVM on ephemeral loopback ports,
 * for tests: started and registered, stopped as a crash looks ({@link #halt}), restarted on
 * their data, and all halted together on {@link #close}. Shared by the broker's and the client's tests
 * (the broker publishes its test classes as a test-jar).
 */
public final class TestCluster implements AutoCloseable {
    private final Map<Integer, NodeConfig> configs = new TreeMap<>();
    private final Map<Integer, RunnelNode> running = new TreeMap<>();
    private final List<ManagedChannel> channels = new ArrayList<>();
    /** How the test's own channels (topic creation, {@link #clientChannel}) connect to client listeners. */
    private final ChannelCredentials credentials;

    private TestCluster(ChannelCredentials credentials) {
        this.credentials = credentials;
    }

    /**
     * Starts {@code nodes} nodes under {@code dir} with short broker sessions, {@code settings}
     * over them, and waits until every broker is registered and unfenced.
     */
    public static TestCluster start(Path dir, int nodes, Map<String, String> settings) throws IOException {
        return start(dir, nodes, id -> settings, InsecureChannelCredentials.create());
    }

    /**
     * Starts {@code nodes} nodes with each node's own {@code settings} (TLS files differ per node);
     * the test's channels to client listeners use {@code credentials}.
     */
    public static TestCluster start(Path dir, int nodes, IntFunction<Map<String, String>> settings,
                                    ChannelCredentials credentials) throws IOException {
        // A port picked free here is bound only when its node starts, and can be taken meanwhile (an
        // outgoing connection's ephemeral port; seen once in a full run): then start again on other
        // ports, in a directory of its own (the first attempt's nodes formatted theirs).
        for (int attempt = 1; ; attempt++) {
            try {
                return startOnce(attempt == 1 ? dir : dir.resolve("attempt-" + attempt), nodes, settings, credentials);
            } catch (IOException | RuntimeException e) {
                if (attempt == 3 || !portTaken(e)) {
                    throw e;
                }
            }
        }
    }

    private static boolean portTaken(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException || String.valueOf(t.getMessage()).contains("Address already in use")) {
                return true;
            }
        }
        return false;
    }

    private static TestCluster startOnce(Path dir, int nodes, IntFunction<Map<String, String>> settings,
                                         ChannelCredentials credentials) throws IOException {
        TestCluster cluster = new TestCluster(credentials);
        int[] clientPorts = new int[nodes + 1];
        int[] controllerPorts = new int[nodes + 1];
        StringBuilder voters = new StringBuilder();
        for (int id = 1; id <= nodes; id++) {
            clientPorts[id] = freePort();
            controllerPorts[id] = freePortPair();
            voters.append(voters.length() == 0 ? "" : ",").append(id).append("@127.0.0.1:").append(controllerPorts[id]);
        }
        for (int id = 1; id <= nodes; id++) {
            Properties p = new Properties();
            p.setProperty("node.id", Integer.toString(id));
            p.setProperty("listener", "127.0.0.1:" + clientPorts[id]);
            p.setProperty("controller.listener", "127.0.0.1:" + controllerPorts[id]);
            // Port 0: the node binds a free port and registers the one it got. A port picked here and
            // bound later can be taken meanwhile (an outgoing connection's ephemeral port).
            p.setProperty("internal.listener", "127.0.0.1:0");
            p.setProperty("advertised.host", "127.0.0.1");
            p.setProperty("quorum.voters", voters.toString());
            p.setProperty("data.dir", dir.resolve("node-" + id).toString());
            p.setProperty("broker.session.timeout.ms", "2000");
            p.setProperty("broker.heartbeat.interval.ms", "200");
            settings.apply(id).forEach(p::setProperty);
            cluster.configs.put(id, NodeConfig.load(p, Map.of(), "test"));
        }
        try {
            for (int id : cluster.configs.keySet()) {
                cluster.running.put(id, new RunnelNode(cluster.configs.get(id)).start());
            }
            cluster.awaitLiveBrokers(nodes);
        } catch (IOException | RuntimeException e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    /** Until the running nodes see {@code count} live brokers, and have caught up with metadata (they answer). */
    public void awaitLiveBrokers(int count) {
        Awaitility.await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> running.values().stream()
            .allMatch(n -> n.controllerClient().image().liveBrokers().size() == count && n.controllerClient().readiness().isReady()));
    }

    public RunnelNode node(int id) {
        return running.get(id);
    }

    public Set<Integer> runningIds() {
        return Set.copyOf(running.keySet());
    }

    public int clientPort(int id) {
        return configs.get(id).clientListener().getPort();
    }

    /** The node's controller API port (Raft is on the next one). */
    public int controllerPort(int id) {
        return configs.get(id).controllerListener().getPort();
    }

    /** The node's internal listener port (Replication; only brokers may call it). */
    public int internalPort(int id) {
        return node(id).internalPort();
    }

    /** {@code 127.0.0.1:port,...} of every node, running or not. */
    public String bootstrap() {
        return configs.keySet().stream().map(id -> "127.0.0.1:" + clientPort(id)).collect(Collectors.joining(","));
    }

    /** Stops a node as a crash looks to the others (no controlled shutdown); its data stays. */
    public void halt(int id) {
        RunnelNode node = running.remove(id);
        if (node != null) {
            node.halt();
        }
    }

    /** Starts a halted node again on its data and ports. */
    public RunnelNode restart(int id) throws IOException {
        return restart(id, image -> { });
    }

    /**
     * Starts a halted node again, running {@code beforeMetadataApplied} on its metadata stream's
     * thread before each image is applied (a hook that blocks holds the node's metadata back).
     */
    RunnelNode restart(int id, Consumer<MetadataImage> beforeMetadataApplied) throws IOException {
        RunnelNode node = new RunnelNode(configs.get(id)).beforeMetadataApplied(beforeMetadataApplied).start();
        running.put(id, node);
        return node;
    }

    /**
     * Creates a topic through a running node's Admin service (retrying while the cluster settles)
     * and waits until every running node's metadata has it and every running broker hosts its
     * replicas of it (a leader serves it).
     */
    public void createTopic(String name, int partitions, int replicationFactor, Map<String, String> configs) {
        int via = running.keySet().iterator().next();
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", clientPort(via), credentials).build();
        try {
            Awaitility.await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> AdminGrpc.newBlockingStub(channel)
                .createTopics(CreateTopicsRequest.newBuilder().addTopics(TopicSpec.newBuilder().setName(name)
                    .setPartitions(partitions).setReplicationFactor(replicationFactor).putAllConfigs(configs)).build())
                .getResults(0).getError() == ErrorCode.NONE);
        } finally {
            channel.shutdownNow();
        }
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> running.entrySet().stream()
            .allMatch(e -> hostsItsReplicas(e.getKey(), e.getValue(), name)));
    }

    /**
     * Whether node {@code id}'s metadata has {@code topic} and, if it is a broker, it has opened its
     * replicas of it, leading those it leads: until then it answers UNKNOWN_TOPIC_OR_PARTITION or
     * NOT_LEADER though its image already names the topic.
     */
    private static boolean hostsItsReplicas(int id, RunnelNode node, String topic) {
        TopicInfo t = node.controllerClient().image().topics().get(topic);
        if (t == null) {
            return false;
        }
        if (!node.config().isBroker()) {
            return true;
        }
        return t.partitions().values().stream().filter(p -> p.replicas().contains(id)).allMatch(p -> node.replicaManager()
            .partition(new TopicPartition(topic, p.partition())).map(hosted -> p.leader() != id || hosted.isLeader())
            .orElse(false));
    }

    /** Waits until the one node of a single-node cluster leads every partition of {@code topic}. */
    public void awaitLeadsAll(int id, String topic, int partitions) {
        for (int p = 0; p < partitions; p++) {
            TopicPartition tp = new TopicPartition(topic, p);
            Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> node(id).replicaManager().partition(tp).map(Partition::isLeader).orElse(false));
        }
    }

    /** The log end offset of node {@code id}'s replica of a partition it hosts. */
    public long logEndOffset(int id, String topic, int partition) {
        return node(id).replicaManager().partition(new TopicPartition(topic, partition)).orElseThrow().logEndOffset();
    }

    /** A channel to node {@code id}'s client port (with the cluster's test credentials), shut down by {@link #close}. */
    public ManagedChannel clientChannel(int id) {
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", clientPort(id), credentials).build();
        channels.add(channel);
        return channel;
    }

    /** A plaintext channel to node {@code id}'s controller API (ReassignPartition), shut down by {@link #close}. */
    public ManagedChannel controllerChannel(int id) {
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", configs.get(id).controllerListener().getPort())
            .usePlaintext().build();
        channels.add(channel);
        return channel;
    }

    /** Node {@code id}'s data dir (its logs, meta.properties, and its Raft state under {@code __raft}). */
    public Path dataDir(int id) {
        return configs.get(id).dataDir();
    }

    /**
     * Halts every running node, all at once: a halt waits about a second for its node's Raft server
     * and listeners to stop, and one after the other the nodes of a class's cluster took seconds.
     */
    @Override
    public void close() {
        channels.forEach(ManagedChannel::shutdownNow);
        List<Thread> halting = new ArrayList<>();
        running.forEach((id, node) -> {
            Thread halt = new Thread(node::halt, "test-cluster-halt-" + id);
            halt.start();
            halting.add(halt);
        });
        boolean interrupted = false;
        for (Thread halt : halting) {
            while (halt.isAlive()) {
                try {
                    halt.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        running.clear();
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** A free port whose successor (the Raft port) is free too. */
    private static int freePortPair() throws IOException {
        for (int attempt = 0; attempt < 50; attempt++) {
            try (ServerSocket a = new ServerSocket(0); ServerSocket b = new ServerSocket(a.getLocalPort() + 1)) {
                return a.getLocalPort();
            } catch (IOException taken) {
                // try another
            }
        }
        throw new IOException("no free port pair");
    }
}
