package io.runnel.metadata.controller;

import io.runnel.metadata.acl.AclBinding;
import io.runnel.metadata.acl.AclFilter;
import io.runnel.metadata.image.BrokerInfo;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.metadata.image.PartitionInfo;
import io.runnel.metadata.image.TopicInfo;
import io.runnel.metadata.quorum.MetadataStateMachine;
import io.runnel.metadata.quorum.QuorumServer;
import io.runnel.proto.v1.AclEntry;
import io.runnel.proto.v1.ApplyResult;
import io.runnel.proto.v1.Endpoint;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.MetadataBatch;
import java.io.Closeable;
import java.net.SocketAddress;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The active controller's duties, on whichever voter leads Raft: broker sessions (heartbeats in
 * memory, fencing of silent brokers), and turning requests into metadata batches with
 * {@link BrokerDecisions}, {@link ControllerLogic} and {@link PartitionDecisions} and proposing them. On any other voter every call fails with
 * NOT_CONTROLLER, naming the leader.
 *
 * <p>Heartbeats stay in the leader's memory, not the log. A broker is fenced (its leaderships move)
 * when it misses its session, or sooner when its process is evidently gone: the connection that
 * carried its heartbeats closed and no heartbeat came on another one within a heartbeat interval
 * (a killed process's sockets are closed by its kernel at once; a paused or cut-off one still needs
 * the session). A new active controller gives every live broker a short first deadline (a few
 * heartbeat intervals, since a live broker follows the new leader at once), and a restarted broker
 * (new incarnation) replaces its old registration as soon as the old one has missed two heartbeats.
 *
 * <p>Evidence beats waiting: a broker this controller has not heard from since it became active, or
 * whose heartbeat connection closed, is probed ({@link ListenerProbe}: a TCP connect to its internal
 * listener). If the connection is refused, the broker's process is gone, and it is fenced at once
 * unless it heartbeated (or re-registered) while the probe was out. This is what lets a new active
 * controller fence the old one's broker within moments of taking over, although it never saw that
 * broker's heartbeats: no timer is shortened, so a live broker, however busy or slow to find the new
 * controller, is never fenced by it (its kernel accepts the connection).
 *
 * <p>Thread-safety: all public methods are safe from any thread.
 */
public final class QuorumController implements MetadataStateMachine.Listener, Closeable {
    private static final Logger log = LoggerFactory.getLogger(QuorumController.class);
    /** Producer ids handed out per AllocateProducerIds call. */
    public static final int PRODUCER_ID_BLOCK = 1000;

    private final QuorumServer quorum;
    private final Clock clock;
    private final ScheduledExecutorService scheduler;
    private final QuorumVoters voters;
    private final long sessionTimeoutMs;
    private final long heartbeatIntervalMs;
    private final Map<Integer, Long> lastHeartbeat = new ConcurrentHashMap<>();
    /** The connection (remote address) each broker's last heartbeat came on, where the transport tells. */
    private final Map<Integer, SocketAddress> sessionConnection = new ConcurrentHashMap<>();
    /** When the connection carrying a broker's heartbeats closed, until it heartbeats again. */
    private final Map<Integer, Long> connectionLostAt = new ConcurrentHashMap<>();
    /** Heartbeats and registrations received per broker, so a probe's verdict is dropped if one came meanwhile. */
    private final Map<Integer, Long> beats = new ConcurrentHashMap<>();
    /** Brokers that heartbeated (or registered) since this node became the active controller. */
    private final Set<Integer> heardSinceActive = ConcurrentHashMap.newKeySet();
    /** Brokers with a probe out, or whose fencing by a probe is being proposed: each gets one at a time. */
    private final Set<Integer> probing = ConcurrentHashMap.newKeySet();
    private final ListenerProbe probe;
    /** The last AlterPartition of each partition ("topic-partition"), until it is applied or fails. */
    private final Map<String, CompletableFuture<PartitionInfo>> alterations = new ConcurrentHashMap<>();
    private volatile ScheduledFuture<?> sessionChecker;
    private final int maxPartitionsPerTopic;
    private final int defaultReplicationFactor;
    private final ProducerIdKeys producerIdKeys = new ProducerIdKeys();

    /** Partitions a topic may have unless the node says otherwise. */
    public static final int DEFAULT_MAX_PARTITIONS_PER_TOPIC = 10_000;
    /** Replicas of a topic created without a replication factor, unless the node says otherwise (Kafka's default too). */
    public static final int DEFAULT_REPLICATION_FACTOR = 1;

    /** The outcome of a heartbeat. */
    public record HeartbeatResult(boolean fenced, boolean shutdownReady) {
    }

    /**
     * @param sessionTimeoutMs    a broker silent for this long is fenced
     * @param heartbeatIntervalMs how often brokers heartbeat: sets how soon a broker whose connection
     *                            closed, or that has not found a new active controller, counts as gone
     */
    public QuorumController(QuorumServer quorum, Clock clock, ScheduledExecutorService scheduler, long sessionTimeoutMs,
                            long heartbeatIntervalMs) {
        this(quorum, clock, scheduler, sessionTimeoutMs, heartbeatIntervalMs, DEFAULT_MAX_PARTITIONS_PER_TOPIC,
            DEFAULT_REPLICATION_FACTOR);
    }

    /** With a TCP {@link ListenerProbe} that waits at most a heartbeat interval (0.1 to 2 s) for an answer. */
    public QuorumController(QuorumServer quorum, Clock clock, ScheduledExecutorService scheduler, long sessionTimeoutMs,
                            long heartbeatIntervalMs, int maxPartitionsPerTopic, int defaultReplicationFactor) {
        this(quorum, clock, scheduler, sessionTimeoutMs, heartbeatIntervalMs, maxPartitionsPerTopic, defaultReplicationFactor,
            ListenerProbe.tcp(Math.max(100, Math.min(2000, heartbeatIntervalMs))));
    }

    /**
     * @param maxPartitionsPerTopic the most partitions a topic may have: CreateTopics and
     *                              CreatePartitions above it are refused (INVALID_PARTITIONS), so one
     *                              request cannot make every broker open millions of logs
     * @param defaultReplicationFactor replicas of a topic created without a replication factor (the
     *                              request's 0); a cluster whose topics default to
     *                              {@code min.insync.replicas=2} needs it above 1, or its acks=all
     *                              produces are refused
     * @param probe                 tells whether a silent broker's process is gone ({@link ListenerProbe#NONE}: never)
     */
    public QuorumController(QuorumServer quorum, Clock clock, ScheduledExecutorService scheduler, long sessionTimeoutMs,
                            long heartbeatIntervalMs, int maxPartitionsPerTopic, int defaultReplicationFactor,
                            ListenerProbe probe) {
        if (maxPartitionsPerTopic < 1) {
            throw new IllegalArgumentException("max partitions per topic must be >= 1, got " + maxPartitionsPerTopic);
        }
        if (defaultReplicationFactor < 1) {
            throw new IllegalArgumentException("default replication factor must be >= 1, got " + defaultReplicationFactor);
        }
        this.maxPartitionsPerTopic = maxPartitionsPerTopic;
        this.defaultReplicationFactor = defaultReplicationFactor;
        this.heartbeatIntervalMs = heartbeatIntervalMs;
        this.quorum = quorum;
        this.clock = clock;
        this.scheduler = scheduler;
        this.sessionTimeoutMs = sessionTimeoutMs;
        this.voters = new QuorumVoters(quorum, scheduler);
        this.probe = probe;
        quorum.stateMachine().addListener(this);
    }

    public MetadataImage image() {
        return quorum.image();
    }

    /** The active controller's node id, or -1 if unknown. */
    public int activeControllerId() {
        return quorum.leaderId();
    }

    // ---------------------------------------------------------------- leadership

    @Override
    public void onLeaderReady() {
        scheduler.execute(() -> {
            long now = clock.millis();
            // Unfenced brokers get a fresh session; fenced ones have none until they heartbeat again,
            // so a restarted broker (new incarnation) can register at once.
            // A live broker finds the new leader within a heartbeat or two (it follows NOT_CONTROLLER
            // hints at once), so one that has not after a few intervals is taken as gone with the old
            // leader's node: its leaderships must not wait for a whole fresh session.
            lastHeartbeat.clear();
            sessionConnection.clear();
            connectionLostAt.clear();
            heardSinceActive.clear();
            long firstDeadline = Math.min(sessionTimeoutMs, Math.max(1500, 3 * heartbeatIntervalMs));
            quorum.image().liveBrokers().forEach(b -> lastHeartbeat.put(b.id(), now - sessionTimeoutMs + firstDeadline));
            long every = Math.max(10, Math.min(sessionTimeoutMs / 4, heartbeatIntervalMs / 2));
            sessionChecker = scheduler.scheduleWithFixedDelay(this::fenceSilentBrokers, every, every, TimeUnit.MILLISECONDS);
            log.info("Node {} is the active controller", quorum.nodeId());
            // The old active controller's node may be gone with it: ask now rather than at the first deadline.
            quorum.image().liveBrokers().forEach(b -> probe(b, "has not heartbeated to the new active controller"));
        });
    }

    /** After each applied batch, the active controller finishes reassignments whose new replicas caught up. */
    @Override
    public void onApplied(MetadataBatch batch, long term, long offset, MetadataImage image) {
        if (batch.getRecordsList().stream().noneMatch(r -> r.hasPartitionChange())) {
            return;
        }
        scheduler.execute(() -> {
            if (!quorum.isActiveController()) {
                return;
            }
            MetadataBatch completion = PartitionDecisions.completeReassignments(quorum.image());
            if (completion.getRecordsCount() > 0) {
                quorum.propose(completion); // a stale one is rejected by its partition-epoch precondition
            }
        });
    }

    /** Starts a move ({@link PartitionDecisions#reassignPartition}); {@code throttleBytesPerSec} 0 for none. */
    public CompletableFuture<ApplyResult> reassignPartition(String topic, int partition, List<Integer> replicas,
                                                            long throttleBytesPerSec) {
        return decide(() -> PartitionDecisions.reassignPartition(quorum.image(), topic, partition, replicas, throttleBytesPerSec));
    }

    /** Undoes an ongoing move ({@link PartitionDecisions#cancelReassignment}). */
    public CompletableFuture<ApplyResult> cancelReassignment(String topic, int partition) {
        return decide(() -> PartitionDecisions.cancelReassignment(quorum.image(), topic, partition));
    }

    @Override
    public void onNotLeader() {
        ScheduledFuture<?> task = sessionChecker;
        if (task != null) {
            task.cancel(false);
        }
    }

    private synchronized void fenceSilentBrokers() {
        if (!quorum.isActiveController()) {
            return;
        }
        long now = clock.millis();
        for (BrokerInfo b : quorum.image().liveBrokers()) {
            if (!heardSinceActive.contains(b.id())) {
                probe(b, "has not heartbeated to the new active controller");
            }
            Long heard = lastHeartbeat.putIfAbsent(b.id(), now);
            long last = heard == null ? now : heard;
            Long lost = connectionLostAt.get(b.id());
            boolean gone = lost != null && last <= lost && now - lost >= heartbeatIntervalMs;
            if (now - last > sessionTimeoutMs || gone) {
                log.warn("Broker {} {} ({} ms without a heartbeat): fencing it", b.id(),
                    gone ? "lost its connection and did not come back" : "missed its session (or a new controller's first deadline)",
                    now - last);
                fence(b.id());
            }
        }
    }

    private CompletableFuture<ApplyResult> fence(int brokerId) {
        lastHeartbeat.remove(brokerId);
        connectionLostAt.remove(brokerId);
        return quorum.propose(BrokerDecisions.fenceBroker(quorum.image(), brokerId)).whenComplete((r, e) -> {
            if (e != null) {
                log.warn("Fencing broker {} failed: {}", brokerId, e.toString());
            }
        });
    }

    /** Probes a silent broker's internal listener (one probe out per broker); a refusal fences it, see the class comment. */
    private void probe(BrokerInfo b, String why) {
        if (!probing.add(b.id())) {
            return;
        }
        long beatsBefore = beats.getOrDefault(b.id(), 0L);
        probe.refused(b.internalHost(), b.internalPort()).whenComplete((refused, e) -> {
            if (Boolean.TRUE.equals(refused)) {
                scheduler.execute(() -> fenceIfStillSilent(b, beatsBefore, why));
            } else {
                probing.remove(b.id());
            }
        });
    }

    private synchronized void fenceIfStillSilent(BrokerInfo probed, long beatsBefore, String why) {
        BrokerInfo b = quorum.image().brokers().get(probed.id());
        if (!quorum.isActiveController() || b == null || b.fenced() || b.epoch() != probed.epoch()
            || beats.getOrDefault(b.id(), 0L) != beatsBefore) {
            probing.remove(probed.id());
            return; // fenced already, replaced, or it spoke meanwhile: a refusal from a moment ago proves nothing now
        }
        log.warn("Broker {} {} and its listener {}:{} refuses connections (its process is gone): fencing it", b.id(), why,
            b.internalHost(), b.internalPort());
        fence(b.id()).whenComplete((r, e) -> probing.remove(b.id())); // no second probe while this fencing is proposed
    }

    /** A heartbeat or registration from the broker: renews its session and voids any probe out for it. */
    private void heard(int brokerId) {
        lastHeartbeat.put(brokerId, clock.millis());
        beats.merge(brokerId, 1L, Long::sum);
        heardSinceActive.add(brokerId);
    }

    // ---------------------------------------------------------------- brokers

    /** A registration without an internal endpoint (Replication on the client endpoint). */
    public CompletableFuture<Long> registerBroker(int brokerId, String incarnationId, String host, int port, String rack) {
        return registerBroker(brokerId, incarnationId, host, port, null, rack);
    }

    /** A registration without a directory id. */
    public CompletableFuture<Long> registerBroker(int brokerId, String incarnationId, String host, int port, Endpoint internal,
                                                  String rack) {
        return registerBroker(new BrokerRegistrationRequest(brokerId, incarnationId, host, port, internal, rack, ""));
    }

    /**
     * A broker (re)joins; see {@link BrokerDecisions#registerBroker(MetadataImage, BrokerRegistrationRequest, boolean)}.
     *
     * @return the broker epoch of the new registration
     */
    public CompletableFuture<Long> registerBroker(BrokerRegistrationRequest request) {
        int brokerId = request.brokerId();
        return decide(() -> {
            BrokerInfo existing = quorum.image().brokers().get(brokerId);
            // Alive = heard from within two heartbeat intervals: a killed and restarted broker's old
            // incarnation has gone quiet by the time the new one registers, while a second process
            // configured with a live broker's id is refused.
            boolean alive = existing != null
                && clock.millis() - lastHeartbeat.getOrDefault(brokerId, 0L) <= Math.min(sessionTimeoutMs, 2 * heartbeatIntervalMs);
            if (existing != null && existing.directoryChangedTo(request.directoryId())) {
                log.warn("Broker {} registers with log directory {}, not {}: its replicas lost their data; it leaves every ISR "
                    + "until it has caught up", brokerId, request.directoryId(), existing.directoryId());
            }
            return producerIdKeys.ensured(quorum.image(), BrokerDecisions.registerBroker(quorum.image(), request, alive));
        }).thenApply(result -> {
            heard(brokerId);
            return result.getOffset();
        });
    }

    /**
     * Renews the broker's session; unfences it once its metadata has reached its registration;
     * with {@code wantShutdown}, moves its leaderships away and answers ready once it leads nothing.
     */
    public CompletableFuture<HeartbeatResult> heartbeat(int brokerId, long brokerEpoch, long metadataOffset, boolean wantShutdown) {
        return heartbeat(brokerId, brokerEpoch, metadataOffset, wantShutdown, null);
    }

    /**
     * @param connection the remote address the heartbeat came from, or null if the transport does
     *                   not say; {@link #connectionClosed} with it then counts as the broker leaving
     */
    public CompletableFuture<HeartbeatResult> heartbeat(int brokerId, long brokerEpoch, long metadataOffset, boolean wantShutdown,
                                                        SocketAddress connection) {
        return heartbeat(brokerId, brokerEpoch, metadataOffset, wantShutdown, false, connection);
    }

    /**
     * @param logDirOffline the broker's log directory failed (an I/O error): it is fenced, its
     *                      leaderships move away and it leaves every ISR it is not the last member
     *                      of, and it stays fenced while it says so (Kafka's offline log directory)
     */
    public CompletableFuture<HeartbeatResult> heartbeat(int brokerId, long brokerEpoch, long metadataOffset, boolean wantShutdown,
                                                        boolean logDirOffline, SocketAddress connection) {
        try {
            requireActive();
            MetadataImage image = quorum.image();
            BrokerInfo b = image.brokers().get(brokerId);
            if (b == null) {
                throw new ControllerException(ErrorCode.BROKER_NOT_REGISTERED, "broker " + brokerId + " is not registered");
            }
            if (b.epoch() != brokerEpoch) {
                throw new ControllerException(ErrorCode.STALE_BROKER_EPOCH, "broker " + brokerId + " is at epoch " + b.epoch()
                    + ", not " + brokerEpoch);
            }
            heard(brokerId);
            connectionLostAt.remove(brokerId);
            if (connection != null) {
                sessionConnection.put(brokerId, connection);
            }
            if (wantShutdown) {
                if (!b.fenced() || leadsOrFollowsInIsr(image, brokerId)) {
                    return propose(BrokerDecisions.fenceBroker(image, brokerId)).thenApply(r -> {
                        boolean ready = !leadsOrFollowsInIsr(quorum.image(), brokerId);
                        if (ready) {
                            lastHeartbeat.remove(brokerId);
                        }
                        return new HeartbeatResult(true, ready);
                    });
                }
                lastHeartbeat.remove(brokerId); // shut down: its session ends here
                return CompletableFuture.completedFuture(new HeartbeatResult(true, true));
            }
            if (logDirOffline) {
                if (!b.fenced() || leadsOrFollowsInIsr(image, brokerId)) {
                    log.warn("Broker {} reports its log directory offline: fencing it and moving its leaderships away", brokerId);
                    return propose(BrokerDecisions.fenceBroker(image, brokerId)).thenApply(r -> new HeartbeatResult(true, false));
                }
                return CompletableFuture.completedFuture(new HeartbeatResult(true, false));
            }
            if (b.fenced() && metadataOffset >= b.epoch()) {
                return propose(BrokerDecisions.unfenceBroker(image, brokerId, brokerEpoch))
                    .thenApply(r -> new HeartbeatResult(false, false));
            }
            return CompletableFuture.completedFuture(new HeartbeatResult(b.fenced(), false));
        } catch (ControllerException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * A client connection to this controller closed. A broker whose heartbeats came on it is fenced
     * if no heartbeat arrives (on a new connection) within a heartbeat interval, or at once if its
     * listener refuses a connection before it heartbeats again.
     */
    public void connectionClosed(SocketAddress remote) {
        if (remote == null) {
            return;
        }
        long now = clock.millis();
        sessionConnection.forEach((broker, connection) -> {
            if (remote.equals(connection) && sessionConnection.remove(broker, connection)) {
                connectionLostAt.put(broker, now);
                scheduler.schedule(this::fenceSilentBrokers, heartbeatIntervalMs + 1, TimeUnit.MILLISECONDS);
                BrokerInfo b = quorum.image().brokers().get(broker);
                if (b != null && !b.fenced() && quorum.isActiveController()) {
                    probe(b, "lost its heartbeat connection");
                }
            }
        });
    }

    private static boolean leadsOrFollowsInIsr(MetadataImage image, int brokerId) {
        for (Map.Entry<String, PartitionInfo> e : image.allPartitions()) {
            PartitionInfo p = e.getValue();
            if (p.leader() == brokerId || p.isr().contains(brokerId) && p.isr().size() > 1) {
                return true;
            }
        }
        return false;
    }

    /**
     * A leader's ISR change, decided only once every earlier AlterPartition of the same partition
     * that this controller proposed has been applied or has failed. So a retry of a change whose
     * answer was lost is decided on an image that holds that change (and is refused with
     * INVALID_UPDATE_VERSION) rather than beside it, and a refusal after the epoch checks proves
     * that nothing of the request was committed (docs/broker.md, "Which replicas count").
     *
     * @return the partition as committed
     */
    public CompletableFuture<PartitionInfo> alterPartition(int brokerId, long brokerEpoch, String topic, int partition,
                                                          int leaderEpoch, int partitionEpoch, List<Integer> newIsr) {
        String key = topic + "-" + partition;
        CompletableFuture<PartitionInfo> result = new CompletableFuture<>();
        CompletableFuture<PartitionInfo> previous = alterations.put(key, result);
        CompletableFuture<?> turn = previous == null ? CompletableFuture.completedFuture(null) : previous.handle((p, e) -> null);
        turn.thenRun(() -> {
            CompletableFuture<ApplyResult> decided;
            try {
                decided = decide(() -> PartitionDecisions.alterPartition(quorum.image(), brokerId, brokerEpoch, topic, partition,
                    leaderEpoch, partitionEpoch, newIsr));
            } catch (RuntimeException e) {
                decided = CompletableFuture.failedFuture(e); // never leave the partition's queue waiting
            }
            decided.whenComplete((r, error) -> {
                if (error != null) {
                    result.completeExceptionally(error);
                } else {
                    TopicInfo t = quorum.image().topics().get(topic);
                    result.complete(t == null ? null : t.partitions().get(partition));
                }
            });
        });
        result.whenComplete((p, e) -> alterations.remove(key, result));
        return result;
    }

    private void checkPartitionCount(String topic, int partitions) {
        if (partitions > maxPartitionsPerTopic) {
            throw new ControllerException(ErrorCode.INVALID_PARTITIONS, "topic '" + topic + "' would have " + partitions
                + " partitions, over the limit of " + maxPartitionsPerTopic + " (max.partitions.per.topic)");
        }
    }

    /** @return the first id of a new block of {@link #PRODUCER_ID_BLOCK} producer ids */
    public CompletableFuture<Long> allocateProducerIds(int brokerId, long brokerEpoch) {
        return decide(() -> {
            BrokerInfo b = quorum.image().brokers().get(brokerId);
            if (b == null || b.epoch() != brokerEpoch) {
                throw new ControllerException(ErrorCode.STALE_BROKER_EPOCH, "broker " + brokerId + " epoch " + brokerEpoch
                    + " is not current");
            }
            return producerIdKeys.ensured(quorum.image(), BrokerDecisions.allocateProducerIds(quorum.image(), brokerId,
                PRODUCER_ID_BLOCK));
        }).thenApply(r -> quorum.image().nextProducerId() - PRODUCER_ID_BLOCK);
    }

    // ---------------------------------------------------------------- admin

    /**
     * @param replicationFactor replicas per partition; 0 (a request that gives none) means this
     *                          controller's default replication factor
     */
    public CompletableFuture<ApplyResult> createTopic(String name, int partitions, int replicationFactor, Map<String, String> configs) {
        return decide(() -> {
            checkPartitionCount(name, partitions);
            if (replicationFactor == 0) {
                checkDefaultReplicationFactor(name);
            }
            int replicas = replicationFactor == 0 ? defaultReplicationFactor : replicationFactor;
            return ControllerLogic.createTopic(quorum.image(), name, partitions, replicas, configs, UUID.randomUUID());
        });
    }

    /** A defaulted replication factor the live brokers cannot hold says where the number came from. */
    private void checkDefaultReplicationFactor(String topic) {
        int live = quorum.image().liveBrokers().size();
        if (defaultReplicationFactor > live) {
            throw new ControllerException(ErrorCode.INVALID_REPLICATION_FACTOR, "topic '" + topic
                + "' gives no replication factor and the default " + defaultReplicationFactor
                + " (default.replication.factor) is more than the " + live + " live brokers");
        }
    }

    public CompletableFuture<ApplyResult> deleteTopic(String name) {
        return decide(() -> ControllerLogic.deleteTopic(quorum.image(), name));
    }

    public CompletableFuture<ApplyResult> increasePartitions(String name, int count) {
        return decide(() -> {
            checkPartitionCount(name, count);
            return ControllerLogic.increasePartitions(quorum.image(), name, count);
        });
    }

    public CompletableFuture<ApplyResult> alterConfigs(String name, Map<String, String> configs) {
        return decide(() -> ControllerLogic.alterConfigs(quorum.image(), name, configs));
    }

    public CompletableFuture<ApplyResult> createAcls(List<AclEntry> acls) {
        return decide(() -> AclChanges.create(acls));
    }

    /** @return the bindings removed: those of the image any filter matches (none is not an error) */
    public CompletableFuture<List<AclBinding>> deleteAcls(List<AclEntry> filters) {
        return whenActive(() -> {
            List<AclBinding> removed = AclChanges.matching(quorum.image().acls(), filters);
            return removed.isEmpty() ? CompletableFuture.completedFuture(removed)
                : propose(AclChanges.delete(removed)).thenApply(r -> removed);
        });
    }

    /** The bindings {@code filter} matches in the active controller's image. */
    public CompletableFuture<List<AclBinding>> describeAcls(AclEntry filter) {
        return whenActive(() -> CompletableFuture.completedFuture(quorum.image().acls().matching(new AclFilter(filter))));
    }

    /** Leadership back to the preferred replicas ({@link PreferredLeaders}); an empty map: every partition. */
    public CompletableFuture<PreferredLeaders.Election> electPreferredLeaders(Map<String, Set<Integer>> partitions) {
        return whenActive(() -> {
            PreferredLeaders.Election election = PreferredLeaders.elect(quorum.image(), partitions);
            return election.moved() == 0 ? CompletableFuture.completedFuture(election)
                : propose(election.batch()).thenApply(r -> election);
        });
    }

    /** Adding, removing and describing the controller quorum's voters. */
    public QuorumVoters voters() {
        return voters;
    }

    // ---------------------------------------------------------------- plumbing

    private void requireActive() {
        if (!quorum.isActiveController()) {
            throw new ControllerException(ErrorCode.NOT_CONTROLLER, "node " + quorum.nodeId()
                + " is not the active controller (leader: " + quorum.leaderId() + ")");
        }
    }

    /** Decides on the current image and proposes; a rejection at apply time fails the future with its code. */
    private CompletableFuture<ApplyResult> decide(Supplier<MetadataBatch> decision) {
        return whenActive(() -> propose(decision.get()));
    }

    /** Runs {@code call} if this node is the active controller; a refusal of either fails the future. */
    private <T> CompletableFuture<T> whenActive(Supplier<CompletableFuture<T>> call) {
        try {
            requireActive();
            return call.get();
        } catch (ControllerException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private CompletableFuture<ApplyResult> propose(MetadataBatch batch) {
        return quorum.propose(batch).thenApply(result -> {
            if (result.getError() != ErrorCode.NONE) {
                throw new ControllerException(result.getError(), result.getMessage());
            }
            return result;
        });
    }

    @Override
    public void close() {
        onNotLeader();
    }
}
