package io.runnel.broker.grpc;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.runnel.broker.metadata.BrokerEndpoint;
import io.runnel.broker.partition.PartitionState;
import io.runnel.broker.partition.TopicPartition;
import io.runnel.broker.replica.PartitionConfig;
import io.runnel.broker.replica.ReplicaManager;
import io.runnel.broker.replication.ReplicaFetcherManager;
import io.runnel.log.LogConfig;
import io.runnel.proto.v1.BrokerGrpc;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Brokers with real logs, real gRPC on ephemeral loopback ports (a client and an internal listener
 * each, as {@code RunnelNode} has) and real replica fetchers, which fetch from internal listeners.
 */
final class InProcessCluster implements AutoCloseable {
    static final long LAG_TIME_MS = 1500;

    final TestController controller = new TestController();
    private final Path dir;
    private final Map<Integer, Node> nodes = new ConcurrentHashMap<>();
    private final Map<Integer, Integer> ports = new ConcurrentHashMap<>();
    private final Map<Integer, Integer> internalPorts = new ConcurrentHashMap<>();
    private final Map<Integer, ManagedChannel> clientChannels = new ConcurrentHashMap<>();
    private final int minInsyncReplicas;

    final class Node {
        final int id;
        final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2);
        final ReplicaManager replicaManager;
        final ReplicaFetcherManager fetchers;
        final BrokerServer server;
        final InternalServer internal;
        final io.runnel.broker.metrics.BrokerMetrics metrics;

        Node(int id, int port, int internalPort) throws IOException {
            this.id = id;
            this.replicaManager = new ReplicaManager(id, dir.resolve("broker-" + id), Clock.systemUTC(), scheduler,
                // Sent off the caller's thread, as a real AlterPartition is: the partition calls it under its
                // lock, and the controller's monitor is held while it pushes states into that partition.
                (tp, leaderEpoch, partitionEpoch, isr) -> CompletableFuture.supplyAsync(
                    () -> controller.alterPartition(tp, leaderEpoch, partitionEpoch, isr)).thenCompose(answer -> answer),
                LAG_TIME_MS, 200);
            this.fetchers = new ReplicaFetcherManager(id, replicaManager,
                leader -> new GrpcLeaderEndpoint("127.0.0.1", internalPorts.get(leader), 5000), Clock.systemUTC(), 200, 1 << 20, 50, 1000);
            replicaManager.onFollowerChanges(fetchers::update);
            this.metrics = new io.runnel.broker.metrics.BrokerMetrics(replicaManager);
            this.server = new BrokerServer(NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port)),
                replicaManager, controller, Clock.systemUTC(), metrics).start();
            this.internal = new InternalServer(NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", internalPort)),
                replicaManager, ports::containsKey).start();
        }

        void stop() {
            server.shutdown();
            internal.shutdown();
            metrics.close();
            fetchers.close();
            replicaManager.close();
            scheduler.shutdownNow();
        }
    }

    InProcessCluster(Path dir, int brokers, int minInsyncReplicas) throws IOException {
        this.dir = dir;
        this.minInsyncReplicas = minInsyncReplicas;
        controller.onPublish(this::apply);
        for (int id = 1; id <= brokers; id++) {
            start(id);
        }
    }

    void start(int id) throws IOException {
        Node node = new Node(id, ports.getOrDefault(id, 0), internalPorts.getOrDefault(id, 0));
        ports.put(id, node.server.port());
        internalPorts.put(id, node.internal.port());
        nodes.put(id, node);
        controller.register(new BrokerEndpoint(id, "127.0.0.1", node.server.port(), ""));
        controller.publishAll();
    }

    /** Stops a broker as a crash would look from outside, then lets the controller fence it. */
    void kill(int id) {
        Node node = nodes.remove(id);
        node.stop();
        controller.fence(id);
    }

    /** Node {@code id}'s internal (replication) port. */
    int internalPort(int id) {
        return internalPorts.get(id);
    }

    Node node(int id) {
        return nodes.get(id);
    }

    /** Applies a state on one broker only, as if the others never heard of it (cut off). */
    void applyOnly(int brokerId, TopicPartition tp, PartitionState state) {
        apply(brokerId, Map.of(tp, state));
    }

    private void apply(int brokerId, Map<TopicPartition, PartitionState> states) {
        Node node = nodes.get(brokerId);
        if (node == null) {
            return;
        }
        Map<TopicPartition, PartitionConfig> configs = new HashMap<>();
        for (TopicPartition tp : states.keySet()) {
            configs.put(tp, new PartitionConfig(LogConfig.defaults(), minInsyncReplicas, PartitionConfig.DEFAULT_MAX_MESSAGE_BYTES));
        }
        node.replicaManager.applyPartitionStates(states, configs);
    }

    BrokerGrpc.BrokerBlockingStub client(int brokerId) {
        ManagedChannel channel = clientChannels.computeIfAbsent(brokerId, id ->
            NettyChannelBuilder.forAddress("127.0.0.1", ports.get(id)).usePlaintext().build());
        return BrokerGrpc.newBlockingStub(channel);
    }

    @Override
    public void close() throws InterruptedException {
        for (ManagedChannel channel : clientChannels.values()) {
            channel.shutdownNow();
            channel.awaitTermination(5, TimeUnit.SECONDS);
        }
        for (Node node : nodes.values()) {
            node.stop();
        }
    }
}
