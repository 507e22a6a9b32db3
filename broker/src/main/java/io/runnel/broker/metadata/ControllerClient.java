package io.runnel.broker.metadata;

import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.runnel.broker.partition.AlterPartitionResult;
import io.runnel.broker.partition.AlterPartitionSender;
import io.runnel.broker.partition.PartitionState;
import io.runnel.broker.partition.TopicPartition;
import io.runnel.metadata.acl.AclImage;
import io.runnel.metadata.image.BrokerInfo;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.metadata.image.PartitionInfo;
import io.runnel.metadata.image.TopicInfo;
import io.runnel.proto.v1.AlterPartitionRequest;
import io.runnel.proto.v1.AlterPartitionResponse;
import io.runnel.proto.v1.BrokerHeartbeatRequest;
import io.runnel.proto.v1.BrokerHeartbeatResponse;
import io.runnel.proto.v1.ControllerGrpc;
import io.runnel.proto.v1.Endpoint;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.MetadataEvent;
import io.runnel.proto.v1.PartitionRegistration;
import io.runnel.proto.v1.RegisterBrokerRequest;
import io.runnel.proto.v1.RegisterBrokerResponse;
import io.runnel.proto.v1.WatchMetadataRequest;
import java.io.Closeable;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A broker's link to the controller quorum: registers, heartbeats, sends AlterPartition to the
 * active controller (following NOT_CONTROLLER hints), and keeps a local {@link MetadataImage} from
 * the metadata stream, folding each batch exactly as the controllers did. Every image change is
 * handed to a listener (the broker applies partition roles from it).
 *
 * <p>The stream is a gRPC watch rather than a Raft listener: a broker then needs no Raft port or
 * Raft log of its own, the leader runs no log appender per broker, and brokers can come and go
 * without a Raft configuration change. Catch-up after a long absence is a snapshot in the stream.
 *
 * <p>Thread-safety: all public methods are safe from any thread; images are immutable.
 */
public final class ControllerClient implements ClusterView, AlterPartitionSender, Closeable {
    private static final Logger log = LoggerFactory.getLogger(ControllerClient.class);

    private final int brokerId;
    private final String incarnationId = UUID.randomUUID().toString();
    private final String host;
    private final int port;
    private final InetSocketAddress internalEndpoint;
    private final String rack;
    /** The log directory's id (meta.properties), registered so the controller sees a replaced directory. */
    private final String directoryId;
    /** Blocking calls to the active controller (AlterPartition, admin forwards) and watch retries. */
    private final ScheduledExecutorService calls;
    /**
     * Registration and heartbeats run on a thread of their own, so busy controller-call threads
     * (blocking AlterPartition or admin calls) cannot delay a heartbeat into a false fencing.
     */
    private final ScheduledExecutorService sessionThread;
    private final long heartbeatIntervalMs;
    private final Map<Integer, ManagedChannel> channels = new TreeMap<>();
    private final List<Integer> controllerIds;
    private final Consumer<MetadataImage> onImage;
    private final MetadataReadiness readiness;
    private volatile MetadataImage image = MetadataImage.EMPTY;
    private volatile int active;
    private volatile long brokerEpoch = -1;
    private volatile boolean fenced = true;
    private volatile boolean closed;
    private ScheduledFuture<?> heartbeats;

    /**
     * @param controllers controller API addresses by node id
     * @param credentials how to reach the controllers: plaintext, or TLS with this node's certificate
     *                    (the controller listener admits cluster principals only)
     * @param host        advertised host of the client listener
     * @param port        port of the client listener
     * @param internalEndpoint advertised host and port of the internal listener (Replication)
     * @param directoryId the data dir's id ({@code meta.properties}); empty for none
     * @param calls       runs the blocking controller calls and metadata-watch retries; owned by the caller
     * @param onImage     called with every new image, on the stream's thread
     */
    public ControllerClient(int brokerId, Map<Integer, InetSocketAddress> controllers, ChannelCredentials credentials,
                            String host, int port, InetSocketAddress internalEndpoint, String rack, String directoryId,
                            ScheduledExecutorService calls, long heartbeatIntervalMs, Consumer<MetadataImage> onImage) {
        this.brokerId = brokerId;
        this.host = host;
        this.port = port;
        this.internalEndpoint = internalEndpoint;
        this.rack = rack;
        this.directoryId = directoryId;
        this.calls = calls;
        this.sessionThread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "controller-session-" + brokerId);
            t.setDaemon(true);
            return t;
        });
        this.heartbeatIntervalMs = heartbeatIntervalMs;
        this.onImage = onImage;
        this.readiness = new MetadataReadiness(brokerId);
        controllers.forEach((id, address) -> channels.put(id, NettyChannelBuilder
            .forAddress(address.getHostString(), address.getPort(), credentials).maxInboundMessageSize(256 << 20).build()));
        this.controllerIds = List.copyOf(channels.keySet());
        this.active = controllerIds.get(0);
    }

    public MetadataImage image() {
        return image;
    }

    public long brokerEpoch() {
        return brokerEpoch;
    }

    public boolean isFenced() {
        return fenced;
    }

    /** Whether this broker has caught up with the metadata log and been unfenced (see {@link MetadataReadiness}). */
    public MetadataReadiness readiness() {
        return readiness;
    }

    @Override
    public Optional<String> notReady() {
        return readiness.notReady();
    }

    /** Starts watching metadata, registering and heartbeating; all retry in the background until closed. */
    public void start() {
        watch(controllerIds.get(brokerId % controllerIds.size()));
        sessionThread.execute(this::register);
    }

    private ControllerGrpc.ControllerBlockingStub stub(int controller) {
        return ControllerGrpc.newBlockingStub(channels.get(controller)).withDeadlineAfter(5, TimeUnit.SECONDS);
    }

    /** Moves to the hinted active controller, or the next one when there is no hint. */
    private void follow(int hint) {
        if (hint >= 0 && channels.containsKey(hint)) {
            active = hint;
        } else {
            active = controllerIds.get((controllerIds.indexOf(active) + 1) % controllerIds.size());
        }
    }

    private void register() {
        if (closed) {
            return;
        }
        try {
            RegisterBrokerResponse r = stub(active).registerBroker(RegisterBrokerRequest.newBuilder().setBrokerId(brokerId)
                .setIncarnationId(incarnationId).setRack(rack).setEndpoint(Endpoint.newBuilder().setHost(host).setPort(port))
                .setInternalEndpoint(Endpoint.newBuilder().setHost(internalEndpoint.getHostString())
                    .setPort(internalEndpoint.getPort()))
                .setDirectoryId(directoryId)
                .build());
            if (r.getError() == ErrorCode.NONE) {
                brokerEpoch = r.getBrokerEpoch();
                readiness.registered(brokerEpoch);
                log.info("Broker {} registered with epoch {}", brokerId, brokerEpoch);
                heartbeats = sessionThread.scheduleWithFixedDelay(this::heartbeat, 0, heartbeatIntervalMs, TimeUnit.MILLISECONDS);
                return;
            }
            log.info("Registration of broker {} refused: {} {}", brokerId, r.getError(), r.getErrorMessage());
            follow(r.getControllerId());
        } catch (RuntimeException e) {
            follow(-1);
        }
        sessionThread.schedule(this::register, Math.min(500, heartbeatIntervalMs), TimeUnit.MILLISECONDS);
    }

    /**
     * One heartbeat, to the active controller. A failed or misdirected one is sent again at once
     * to the hinted (or next) controller, so after a controller failover the new one hears from
     * this broker within one interval; each try waits at most one interval (at least 1 s).
     */
    private void heartbeat() {
        long deadlineMs = Math.max(1000, heartbeatIntervalMs);
        for (int attempt = 0; attempt < controllerIds.size() && !closed; attempt++) {
            try {
                BrokerHeartbeatResponse r = ControllerGrpc.newBlockingStub(channels.get(active))
                    .withDeadlineAfter(deadlineMs, TimeUnit.MILLISECONDS)
                    .brokerHeartbeat(BrokerHeartbeatRequest.newBuilder().setBrokerId(brokerId)
                        .setBrokerEpoch(brokerEpoch).setMetadataOffset(readiness.appliedOffset()).build());
                if (r.getError() == ErrorCode.NONE) {
                    fenced = r.getFenced();
                    readiness.fenced(fenced);
                    return;
                }
                if (r.getError() == ErrorCode.STALE_BROKER_EPOCH || r.getError() == ErrorCode.BROKER_NOT_REGISTERED) {
                    // Replaced or forgotten: register again as a new epoch.
                    heartbeats.cancel(false);
                    sessionThread.execute(this::register);
                    return;
                }
                follow(r.getControllerId());
            } catch (RuntimeException e) {
                follow(-1);
            }
        }
    }

    /**
     * Controlled shutdown: asks the controller to move leaderships away, until it answers ready or
     * {@code timeoutMs} pass.
     *
     * @return whether the controller confirmed
     */
    public boolean controlledShutdown(long timeoutMs) {
        if (brokerEpoch < 0) {
            return true;
        }
        if (heartbeats != null) {
            heartbeats.cancel(false);
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (System.nanoTime() < deadline) {
            try {
                BrokerHeartbeatResponse r = stub(active).brokerHeartbeat(BrokerHeartbeatRequest.newBuilder().setBrokerId(brokerId)
                    .setBrokerEpoch(brokerEpoch).setMetadataOffset(image.offset()).setWantShutdown(true).build());
                if (r.getError() == ErrorCode.NONE && r.getShutdownReady()) {
                    return true;
                }
                if (r.getError() != ErrorCode.NONE) {
                    follow(r.getControllerId());
                }
            } catch (RuntimeException e) {
                follow(-1);
            }
            CompletableFuture.runAsync(() -> { }, CompletableFuture.delayedExecutor(100, TimeUnit.MILLISECONDS)).join();
        }
        return false;
    }

    // ---------------------------------------------------------------- metadata stream

    private void watch(int controller) {
        if (closed) {
            return;
        }
        ControllerGrpc.newStub(channels.get(controller)).watchMetadata(
            WatchMetadataRequest.newBuilder().setFromOffset(image.offset()).build(), new StreamObserver<>() {
                @Override
                public void onNext(MetadataEvent event) {
                    MetadataImage next = switch (event.getEventCase()) {
                        case SNAPSHOT -> MetadataImage.fromProto(event.getSnapshot());
                        case BATCH -> event.getBatch().getOffset() <= image.offset() ? image
                            : image.apply(event.getBatch().getBatch(), event.getBatch().getTerm(), event.getBatch().getOffset()).image();
                        default -> image;
                    };
                    if (next != image) {
                        image = next;
                        try {
                            onImage.accept(next);
                        } catch (RuntimeException e) {
                            log.error("Applying metadata at offset {} failed", next.offset(), e);
                        }
                        // Heartbeats report this offset, so the controller unfences the broker only once
                        // its partitions and groups reflect its registration, not just once the image does.
                        readiness.applied(next.offset());
                        BrokerInfo self = next.brokers().get(brokerId);
                        if (self != null && self.epoch() == brokerEpoch) {
                            readiness.fenced(self.fenced());
                        }
                        if (fenced && brokerEpoch >= 0 && next.offset() >= brokerEpoch && !closed) {
                            // Caught up with our own registration: ask to be unfenced now, not at the next beat.
                            sessionThread.execute(ControllerClient.this::heartbeat);
                        }
                    }
                }

                @Override
                public void onError(Throwable t) {
                    retryWatch(controller);
                }

                @Override
                public void onCompleted() {
                    retryWatch(controller);
                }
            });
    }

    private void retryWatch(int failed) {
        if (!closed) {
            int next = controllerIds.get((controllerIds.indexOf(failed) + 1) % controllerIds.size());
            calls.schedule(() -> watch(next), 200, TimeUnit.MILLISECONDS);
        }
    }

    // ---------------------------------------------------------------- AlterPartition

    /**
     * Sends an AlterPartition to the active controller, following NOT_CONTROLLER hints. Only a
     * refusal given after the controller checked the epochs (INVALID_REQUEST: an ineligible or
     * malformed ISR) proves the change was not committed: the controller decides one change of a
     * partition at a time, and a committed change bumps the partition epoch, so a retry of an
     * applied change could not have passed that check. Every other answer leaves it undecided:
     * a timeout, a NOT_CONTROLLER from a leader that lost its term while proposing (the entry may
     * still commit), or epochs that moved (possibly by this very change on an earlier try).
     */
    @Override
    public CompletableFuture<AlterPartitionResult> send(TopicPartition tp, int leaderEpoch, int partitionEpoch, List<Integer> newIsr) {
        AlterPartitionRequest request = AlterPartitionRequest.newBuilder().setBrokerId(brokerId)
            .setBrokerEpoch(brokerEpoch).setTopic(tp.topic()).setPartition(tp.partition())
            .setLeaderEpoch(leaderEpoch).setPartitionEpoch(partitionEpoch).addAllNewIsr(newIsr).build();
        return CompletableFuture.supplyAsync(() -> {
            String last = "no controller answered";
            for (int attempt = 0; attempt < controllerIds.size() * 2; attempt++) {
                try {
                    AlterPartitionResponse r = stub(active).alterPartition(request);
                    switch (r.getError()) {
                        case NONE -> {
                            PartitionRegistration p = r.getPartition();
                            return new AlterPartitionResult.Accepted(new PartitionState(p.getLeader(), p.getLeaderEpoch(),
                                p.getPartitionEpoch(), p.getReplicasList(), p.getIsrList()));
                        }
                        case INVALID_REQUEST -> {
                            return new AlterPartitionResult.Refused(r.getErrorMessage());
                        }
                        case NOT_CONTROLLER -> {
                            last = "NOT_CONTROLLER " + r.getErrorMessage();
                            follow(r.getControllerId());
                        }
                        default -> {
                            return new AlterPartitionResult.Undecided(r.getError() + " " + r.getErrorMessage());
                        }
                    }
                } catch (StatusRuntimeException e) {
                    last = e.getStatus().toString();
                    follow(-1);
                }
            }
            return new AlterPartitionResult.Undecided(last);
        }, calls);
    }

    /** Registered and not fenced in the image this broker has applied. */
    @Override
    public boolean isIsrEligible(int otherBrokerId) {
        BrokerInfo b = image.brokers().get(otherBrokerId);
        return b != null && !b.fenced();
    }

    // ---------------------------------------------------------------- admin forwarding

    /**
     * Runs {@code call} against the active controller on a background thread, moving to the hinted
     * (or next) controller while the answer says NOT_CONTROLLER or the controller is unreachable.
     *
     * @param hint           the response's controller id field
     * @param notController  whether the response says the node was not the active controller
     */
    public <T> CompletableFuture<T> forward(java.util.function.Function<ControllerGrpc.ControllerBlockingStub, T> call,
                                            java.util.function.ToIntFunction<T> hint, java.util.function.Predicate<T> notController) {
        return CompletableFuture.supplyAsync(() -> {
            RuntimeException last = null;
            for (int attempt = 0; attempt < controllerIds.size() * 3; attempt++) {
                int target = active;
                try {
                    T response = call.apply(ControllerGrpc.newBlockingStub(channels.get(target)).withDeadlineAfter(15, TimeUnit.SECONDS));
                    if (!notController.test(response)) {
                        return response;
                    }
                    follow(hint.applyAsInt(response));
                } catch (StatusRuntimeException e) {
                    last = e;
                    follow(-1);
                }
            }
            throw last != null ? last : new IllegalStateException("no active controller among " + controllerIds);
        }, calls);
    }

    // ---------------------------------------------------------------- producer ids

    private long nextProducerId = -1;
    private long producerIdBlockEnd = -1;

    /**
     * A fresh producer id from this broker's block, reserving a new block through the active
     * controller when it runs out.
     *
     * @throws IllegalStateException if no controller granted a block
     */
    public synchronized long nextProducerId() {
        if (nextProducerId < 0 || nextProducerId >= producerIdBlockEnd) {
            var r = forward(stub -> stub.allocateProducerIds(io.runnel.proto.v1.AllocateProducerIdsRequest.newBuilder()
                    .setBrokerId(brokerId).setBrokerEpoch(brokerEpoch).build()),
                io.runnel.proto.v1.AllocateProducerIdsResponse::getControllerId,
                resp -> resp.getError() == ErrorCode.NOT_CONTROLLER).join();
            if (r.getError() != ErrorCode.NONE) {
                throw new IllegalStateException("no producer ids: " + r.getError() + " " + r.getErrorMessage());
            }
            nextProducerId = r.getFirstProducerId();
            producerIdBlockEnd = r.getFirstProducerId() + r.getCount();
        }
        return nextProducerId++;
    }

    // ---------------------------------------------------------------- ClusterView

    @Override
    public List<BrokerEndpoint> brokers() {
        List<BrokerEndpoint> out = new ArrayList<>();
        for (BrokerInfo b : image.liveBrokers()) {
            out.add(new BrokerEndpoint(b.id(), b.host(), b.port(), b.rack()));
        }
        return out;
    }

    /** A live broker's internal listener (where followers fetch from it), as it registered it. */
    public Optional<InetSocketAddress> internalEndpoint(int id) {
        return image.liveBrokers().stream().filter(b -> b.id() == id).findFirst()
            .map(b -> InetSocketAddress.createUnresolved(b.internalHost(), b.internalPort()));
    }

    /** Whether {@code id} is a registered broker, fenced (still catching up) or not. */
    public boolean isRegistered(int id) {
        return image.brokers().containsKey(id);
    }

    @Override
    public int controllerId() {
        return active;
    }

    @Override
    public Map<String, Map<Integer, PartitionState>> topics() {
        return partitionStates(image);
    }

    @Override
    public Map<String, String> topicConfigs(String topic) {
        TopicInfo t = image.topics().get(topic);
        return t == null ? Map.of() : t.configs();
    }

    @Override
    public AclImage acls() {
        return image.acls();
    }

    /** Every partition of the image as the broker's {@link PartitionState}. */
    public static Map<String, Map<Integer, PartitionState>> partitionStates(MetadataImage image) {
        Map<String, Map<Integer, PartitionState>> out = new HashMap<>();
        for (TopicInfo t : image.topics().values()) {
            Map<Integer, PartitionState> partitions = new HashMap<>();
            for (PartitionInfo p : t.partitions().values()) {
                partitions.put(p.partition(), new PartitionState(p.leader(), p.leaderEpoch(), p.partitionEpoch(), p.replicas(),
                    p.isr()));
            }
            out.put(t.name(), partitions);
        }
        return out;
    }

    @Override
    public void close() {
        closed = true;
        if (heartbeats != null) {
            heartbeats.cancel(false);
        }
        sessionThread.shutdownNow();
        for (ManagedChannel channel : channels.values()) {
            channel.shutdownNow();
        }
    }
}
