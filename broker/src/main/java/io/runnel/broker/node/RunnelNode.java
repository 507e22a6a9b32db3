package io.runnel.broker.node;

import io.grpc.Server;
import io.grpc.protobuf.services.HealthStatusManager;
import io.runnel.broker.auth.Authorizer;
import io.runnel.broker.auth.ProducerIdOwnership;
import io.runnel.broker.config.NodeConfig;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.runnel.broker.grpc.AutoTopicCreation;
import io.runnel.broker.config.SecurityWarnings;
import io.runnel.broker.console.ConsoleServer;
import io.runnel.broker.console.ConsoleTls;
import io.runnel.broker.grpc.BrokerServer;
import io.runnel.broker.grpc.ExternalListener;
import io.runnel.broker.metadata.AdvertisedListeners;
import io.runnel.broker.stream.ClusterChannels;
import io.runnel.broker.stream.StreamService;
import io.runnel.broker.grpc.GrpcLeaderEndpoint;
import io.runnel.broker.grpc.InternalServer;
import io.runnel.broker.group.GroupCoordinator;
import io.runnel.broker.metadata.ControllerClient;
import io.runnel.broker.metrics.BrokerMetrics;
import io.runnel.broker.partition.AlterPartitionResult;
import io.runnel.broker.partition.AlterPartitionSender;
import io.runnel.broker.partition.TopicPartition;
import io.runnel.broker.replica.ReplicaManager;
import io.runnel.broker.replication.ReplicaFetcherManager;
import io.runnel.log.MetaProperties;
import io.runnel.metadata.controller.LeaderRebalancer;
import io.runnel.metadata.controller.QuorumController;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.metadata.quorum.QuorumServer;
import io.runnel.metadata.quorum.QuorumSettings;
import io.runnel.metadata.service.ConnectionTracking;
import io.runnel.metadata.service.ControllerService;
import io.runnel.proto.v1.CreateTopicsRequest;
import io.runnel.proto.v1.CreateTopicsResponse;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.TopicSpec;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Runnel node: a controller (Raft voter plus the Controller gRPC API), a broker (partitions,
 * replication, the Broker gRPC API), or both. Each controller uses two consecutive ports: its
 * API on {@code controller.listener} and Raft on the port after it. A broker has two listeners:
 * {@code listener} for clients and {@code internal.listener} for the Replication service that
 * other brokers fetch from.
 *
 * <p>Start order: controller first (the broker registers with it), then the broker's gRPC server,
 * then registration. Stop order: controlled shutdown (leaderships move away), broker, controller.
 */
public final class RunnelNode implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(RunnelNode.class);

    private final NodeConfig config;
    private final NodeExecutors executors;
    private NodeTransport transport;
    /** Held so that its handshake-failure filter stays (java.util.logging holds loggers weakly). */
    private java.util.logging.Logger handshakeLog;
    private QuorumServer quorum;
    private QuorumController controller;
    private LeaderRebalancer leaderRebalancer;
    private ControllerService controllerService;
    private Server controllerServer;
    private final HealthStatusManager controllerHealth = new HealthStatusManager();
    private ReplicaManager replicaManager;
    private ReplicaFetcherManager fetchers;
    private ControllerClient controllerClient;
    private BrokerServer brokerServer;
    private InternalServer internalServer;
    private BrokerMetrics metrics;
    private GroupCoordinator groups;
    private StreamService streams;
    private int metricsPort = -1;
    /** The broker's readiness as the health service reports it, for the metrics port's /health/ready too. */
    private final AtomicBoolean ready = new AtomicBoolean();
    private ConsoleServer console;
    private int consolePort = -1;
    private Consumer<MetadataImage> beforeMetadataApplied = image -> { };

    public RunnelNode(NodeConfig config) {
        this.config = config;
        this.executors = new NodeExecutors(config.nodeId(), config.threads());
    }

    /**
     * For tests: runs {@code hook} on the metadata stream's thread before each new image is applied,
     * so a test can hold a broker's metadata back (block in the hook) and see how it answers.
     * Call before {@link #start}.
     */
    RunnelNode beforeMetadataApplied(Consumer<MetadataImage> hook) {
        this.beforeMetadataApplied = hook;
        return this;
    }

    /** Raft addresses: each controller's API port plus one. */
    static Map<Integer, InetSocketAddress> raftAddresses(Map<Integer, InetSocketAddress> voters) {
        Map<Integer, InetSocketAddress> out = new HashMap<>();
        voters.forEach((id, a) -> out.put(id, InetSocketAddress.createUnresolved(a.getHostString(), a.getPort() + 1)));
        return out;
    }

    /**
     * Starts every role of the node.
     *
     * @throws IOException naming the cause: an unwritable data dir, a taken port
     */
    public RunnelNode start() throws IOException {
        Path dataDir = config.dataDir();
        try {
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new IOException("data.dir " + dataDir + " cannot be created: " + e.getMessage(), e);
        }
        if (!Files.isWritable(dataDir)) {
            throw new IOException("data.dir " + dataDir + " is not writable");
        }
        SecurityWarnings.of(config).forEach(warning -> log.warn("Node {}: {}", config.nodeId(), warning));
        // Before anything is read or written there: another cluster's or node's directory stops the node.
        MetaProperties identity = MetaProperties.loadOrFormat(dataDir, config.clusterId().toString(), config.nodeId());
        try {
            transport = new NodeTransport(config.security());
        } catch (IllegalArgumentException e) {
            throw new IOException("TLS files cannot be loaded: " + e.getMessage(), e);
        }
        if (config.security().tlsEnabled()) {
            handshakeLog = HandshakeFailureLog.install();
        }
        if (config.isController()) {
            startController(dataDir);
        }
        if (config.isBroker()) {
            startBroker(dataDir, identity.directoryId());
        }
        return this;
    }

    private void startController(Path dataDir) throws IOException {
        quorum = new QuorumServer(new QuorumSettings(config.nodeId(), raftAddresses(config.voters()),
            config.controllerListener().getHostString(), dataDir.resolve("__raft"), config.clusterId(), 1000,
            10_000, config.quorumJoin(), transport.tls(), config.security().nodes())).start();
        controller = new QuorumController(quorum, Clock.systemUTC(), executors.controller(), config.brokerSessionTimeoutMs(),
            config.brokerHeartbeatIntervalMs(), config.maxPartitionsPerTopic(), config.defaultReplicationFactor());
        leaderRebalancer = new LeaderRebalancer(quorum, controller, executors.controller(), config.leaderRebalance());
        controllerService = new ControllerService(controller, quorum.stateMachine(), 4096, transport.access());
        controllerServer = transport.clusterListener(new InetSocketAddress(config.controllerListener().getHostString(),
                config.controllerListener().getPort()), NodeConfig.CONTROLLER_LISTENER)
            .addService(ConnectionTracking.withRemoteAddress(controllerService))
            .addTransportFilter(ConnectionTracking.closedConnections(controller))
            .addService(controllerHealth.getHealthService()).build();
        try {
            controllerServer.start();
        } catch (IOException e) {
            throw new IOException("controller.listener " + config.controllerListener() + " cannot be bound: " + e.getMessage(), e);
        }
        log.info("Node {}: controller API on {}, Raft on port {} ({})", config.nodeId(), hostPort(config.controllerListener()),
            config.controllerListener().getPort() + 1, config.security().tlsEnabled() ? "mutual TLS, cluster principals "
                + config.security().nodes() + " only" : "plaintext");
    }

    /** @param directoryId the data dir's id (meta.properties), registered with the controller */
    private void startBroker(Path dataDir, String directoryId) throws IOException {
        replicaManager = new ReplicaManager(config.nodeId(), dataDir, Clock.systemUTC(), executors.replica(),
            new AlterPartitionSender() {
                @Override
                public CompletableFuture<AlterPartitionResult> send(TopicPartition tp, int leaderEpoch, int partitionEpoch,
                                                                    List<Integer> newIsr) {
                    return controllerClient.send(tp, leaderEpoch, partitionEpoch, newIsr);
                }

                @Override
                public boolean isIsrEligible(int brokerId) {
                    return controllerClient.isIsrEligible(brokerId);
                }
            }, config.replicaLagTimeMaxMs(), 5000, config.fetchLimits(), config.maxProducersPerPartition());
        metrics = new BrokerMetrics(replicaManager);
        MetadataApplier applier = new MetadataApplier(config.nodeId(), replicaManager, config.defaults(),
            () -> controllerClient == null ? -1 : controllerClient.brokerEpoch());
        groups = new GroupCoordinator(config.nodeId(), replicaManager, config.groups(), Clock.systemUTC(), executors.groups(),
            this::createTopic);
        // The internal listener is bound first: with port 0 its bound port is what registration advertises.
        internalServer = new InternalServer(transport.clusterListener(new InetSocketAddress(
            config.internalListener().getHostString(), config.internalListener().getPort()), NodeConfig.INTERNAL_LISTENER)
            .flowControlWindow(BrokerServer.FLOW_CONTROL_WINDOW), replicaManager,
            id -> controllerClient != null && controllerClient.isRegistered(id), transport.access());
        try {
            internalServer.start();
        } catch (IOException e) {
            throw new IOException(NodeConfig.INTERNAL_LISTENER + " " + config.internalListener().getHostString() + ":"
                + config.internalListener().getPort() + " cannot be bound: " + e.getMessage(), e);
        }
        InetSocketAddress internalAdvertised = config.internalAdvertised().getPort() == 0
            ? InetSocketAddress.createUnresolved(config.internalAdvertised().getHostString(), internalServer.port())
            : config.internalAdvertised();
        int port = config.clientListener().getPort();
        AdvertisedListeners advertised = new AdvertisedListeners(config.clientAdvertised(), internalAdvertised,
            config.externalAdvertised());
        controllerClient = new ControllerClient(config.nodeId(), config.voters(), transport.channelCredentials(),
            advertised, config.rack(), directoryId, executors.controllerCalls(),
            config.brokerHeartbeatIntervalMs(), image -> {
                beforeMetadataApplied.accept(image);
                applier.apply(image);
                groups.onMetadata(image);
            });
        fetchers = new ReplicaFetcherManager(config.nodeId(), replicaManager, leader -> controllerClient.internalEndpoint(leader)
            .map(a -> new GrpcLeaderEndpoint(a.getHostString(), a.getPort(), transport.channelCredentials(), 5000))
            .orElseThrow(() -> new IllegalStateException("leader " + leader + " is not a live broker")), Clock.systemUTC(),
            500, 1 << 20, 100, config.replicaFetchBackoffMaxMs());
        replicaManager.onFollowerChanges(fetchers::update);
        executors.logMaintenance().scheduleWithFixedDelay(replicaManager::maintainLogs, config.logRetentionCheckIntervalMs(),
            config.logRetentionCheckIntervalMs(), TimeUnit.MILLISECONDS);
        Authorizer authorizer = new Authorizer(config.security().authorizer(), config.security().nodes(), controllerClient::acls);
        // Producer ids are checked wherever callers can be told apart, or ACLs are on.
        ProducerIdOwnership producerIds = new ProducerIdOwnership(config.security().tlsEnabled()
            || config.security().authorizer().enabled(), config.security().nodes(), () -> controllerClient.image().producerIdKey());
        // The Publish and Subscribe streams reach leaders and coordinators through the client listeners.
        streams = new StreamService(new ClusterChannels(controllerClient, transport.channelCredentials(), config.nodeId()),
            Clock.systemUTC(), authorizer, producerIds);
        NettyServerBuilder clientListeners = transport.clientListener(new InetSocketAddress(
            config.clientListener().getHostString(), port), NodeConfig.LISTENER).flowControlWindow(BrokerServer.FLOW_CONTROL_WINDOW);
        // The external listener serves the same services on its own port; calls there are answered
        // with the brokers' external addresses.
        config.externalListener().ifPresent(external -> clientListeners
            .addListenAddress(new InetSocketAddress(external.getHostString(), external.getPort()))
            .intercept(ExternalListener.marking(p -> p == external.getPort())));
        brokerServer = new BrokerServer(clientListeners.addService(streams), replicaManager,
            controllerClient, Clock.systemUTC(), metrics, groups, config.defaults(), authorizer, producerIds,
            new AutoTopicCreation(config.autoCreateTopics(), config.numPartitions(), this::autoCreateTopic));
        try {
            brokerServer.start();
        } catch (IOException e) {
            throw new IOException("listener " + hostPort(config.clientListener()) + config.externalListener()
                .map(x -> " or " + NodeConfig.EXTERNAL_LISTENER + " " + hostPort(x)).orElse("") + " cannot be bound: " + e.getMessage(), e);
        }
        if (config.metricsPort() >= 0) {
            metricsPort = metrics.serve(config.clientListener().getHostString(), config.metricsPort(), ready::get);
        }
        if (config.console().enabled()) {
            // With TLS on, HTTPS with the browser's certificate, asked for as on the client listener.
            ConsoleTls consoleTls = transport.tls() == null ? null : new ConsoleTls(transport.tls(), config.security().clientAuth());
            console = new ConsoleServer(config.nodeId(), config.voters().keySet(), controllerClient,
                transport.channelCredentials(), replicaManager, metrics, Clock.systemUTC(), authorizer, consoleTls);
            consolePort = console.start(config.console().listener().getHostString(), config.console().listener().getPort());
            log.info("Node {}: console on {}://{}:{}/", config.nodeId(), consoleTls == null ? "http" : "https",
                config.console().listener().getHostString(), consolePort);
        }
        BrokerServer clientListener = brokerServer;
        InternalServer internalListener = internalServer;
        controllerClient.onServingChange(config.brokerSessionTimeoutMs(), notServing -> {
            ready.set(notServing.isEmpty());
            clientListener.ready(notServing.isEmpty());
            internalListener.ready(notServing.isEmpty());
            if (notServing.isEmpty()) {
                log.info("Node {}: broker ready (health SERVING)", config.nodeId());
            } else {
                log.info("Node {}: broker not ready (health NOT_SERVING): {}", config.nodeId(), notServing.get());
            }
        });
        controllerClient.start();
        log.info("Node {}: broker on {} (advertised {}), internal listener on {} (advertised {}){}, metrics port {}, {}",
            config.nodeId(), hostPort(config.clientListener()), hostPort(config.clientAdvertised()),
            hostPort(config.internalListener()), hostPort(internalAdvertised), config.externalListener()
                .map(e -> ", external listener on " + hostPort(e) + " (advertised " + hostPort(config.externalAdvertised().get()) + ")")
                .orElse(""), metricsPort,
            config.security().tlsEnabled() ? "TLS (client certificates "
                + config.security().clientAuth().name().toLowerCase(Locale.ROOT)
                + " on the client listener, required on the internal one)" : "plaintext");
    }

    /** {@code host:port}, not InetSocketAddress's {@code host/<unresolved>:port}. */
    static String hostPort(InetSocketAddress address) {
        return address.getHostString() + ":" + address.getPort();
    }

    /** A topic a client asked Metadata for, with auto.create.topics.enable: the cluster's replication default. */
    private CompletableFuture<Void> autoCreateTopic(String name, int partitions) {
        return createTopic(name, partitions, 0, Map.of()).whenComplete((done, e) -> {
            if (e == null) {
                log.info("Node {}: created topic {} with {} partitions (auto.create.topics.enable)", config.nodeId(), name,
                    partitions);
            } else {
                log.info("Node {}: could not create topic {} (auto.create.topics.enable): {}", config.nodeId(), name,
                    e.getMessage());
            }
        });
    }

    /** Internal topics (the offsets topic) are created like any other, through the active controller. */
    private CompletableFuture<Void> createTopic(String name, int partitions, int replicationFactor, Map<String, String> configs) {
        CreateTopicsRequest request = CreateTopicsRequest.newBuilder()
            .addTopics(TopicSpec.newBuilder().setName(name).setPartitions(partitions)
                .setReplicationFactor(replicationFactor).putAllConfigs(configs)).build();
        return controllerClient.forward(stub -> stub.createTopics(request), CreateTopicsResponse::getControllerId,
            r -> r.getResultsList().stream().anyMatch(t -> t.getError() == ErrorCode.NOT_CONTROLLER))
            .thenAccept(r -> r.getResultsList().stream()
                .filter(t -> t.getError() != ErrorCode.NONE && t.getError() != ErrorCode.TOPIC_ALREADY_EXISTS)
                .findFirst().ifPresent(t -> {
                    throw new IllegalStateException("creating " + name + ": " + t.getError() + " " + t.getErrorMessage());
                }));
    }

    /** The node's background executors, one per job (for tests). */
    NodeExecutors executors() {
        return executors;
    }

    public GroupCoordinator groupCoordinator() {
        return groups;
    }

    public ControllerClient controllerClient() {
        return controllerClient;
    }

    /** This broker's fetchers from its partitions' leaders (for tests that hold a follower back). */
    ReplicaFetcherManager replicaFetchers() {
        return fetchers;
    }

    public ReplicaManager replicaManager() {
        return replicaManager;
    }

    public QuorumServer quorum() {
        return quorum;
    }

    public int brokerPort() {
        return brokerServer.port();
    }

    /** The internal listener's bound port (Replication). */
    public int internalPort() {
        return internalServer.port();
    }

    public int metricsPort() {
        return metricsPort;
    }

    /** The console's bound HTTP port, or -1 when {@code console.listener} is not set. */
    public int consolePort() {
        return consolePort;
    }

    /** Controlled shutdown, then every role stopped in reverse order. Idempotent. */
    @Override
    public void close() {
        stop(true);
    }

    /**
     * Stops without controlled shutdown, as a crash looks to the rest of the cluster: its
     * leaderships move only when its session expires. Files are still closed cleanly.
     */
    public void halt() {
        stop(false);
    }

    private synchronized void stop(boolean controlled) {
        ready.set(false);
        if (console != null) {
            console.close();
            console = null;
        }
        if (controllerClient != null) {
            if (controlled) {
                controllerClient.controlledShutdown(5000);
            }
            controllerClient.close();
        }
        if (groups != null) {
            groups.close();
        }
        if (streams != null) {
            streams.close();
        }
        if (brokerServer != null) {
            brokerServer.shutdown();
        }
        if (internalServer != null) {
            internalServer.shutdown();
        }
        if (fetchers != null) {
            fetchers.close();
        }
        // No group load, ISR check, controller call or compaction may run while the logs close.
        executors.stopBrokerJobs();
        if (replicaManager != null) {
            replicaManager.close();
        }
        executors.stopLogJobs();
        if (metrics != null) {
            metrics.close();
        }
        if (controllerServer != null) {
            controllerService.closeStreams();
            controllerHealth.enterTerminalState();
            controllerServer.shutdownNow();
        }
        if (leaderRebalancer != null) {
            leaderRebalancer.close();
        }
        if (controller != null) {
            controller.close();
        }
        if (quorum != null) {
            quorum.close();
        }
        executors.stopControllerJobs();
        controllerClient = null;
        brokerServer = null;
        internalServer = null;
        groups = null;
        fetchers = null;
        replicaManager = null;
        metrics = null;
        controllerServer = null;
        controller = null;
        leaderRebalancer = null;
        quorum = null;
    }

    /**
     * {@code RunnelNode [--defaults FILE] [--config FILE]}: runs a node until SIGTERM or SIGINT
     * ({@link NodeProcess}).
     */
    public static void main(String[] args) {
        NodeProcess.run(args);
    }

    /** This node's settings. */
    NodeConfig config() {
        return config;
    }
}
