package io.runnel.metadata.controller;

import io.runnel.metadata.acl.AclBinding;
import io.runnel.metadata.acl.AclFilter;
import io.runnel.metadata.image.BrokerInfo;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.metadata.image.PartitionInfo;
import io.runnel.metadata.quorum.MetadataStateMachine;
import io.runnel.metadata.quorum.QuorumServer;
import io.runnel.proto.v1.AclEntry;
import io.runnel.proto.v1.ApplyResult;
import io.runnel.proto.v1.Endpoint;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.MetadataBatch;
import io.runnel.proto.v1.ReassignmentMove;
import java.io.Closeable;
import java.net.SocketAddress;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The active controller's duties, on whichever voter leads Raft: broker sessions (registrations,
 * heartbeats and fencing, kept by {@link BrokerSessions}), and turning requests into metadata
 * batches with {@link ControllerLogic} and proposing them ({@link ActiveProposer}). On any other
 * voter every call fails with NOT_CONTROLLER, naming the leader.
 *
 * <p>Thread-safety: all public methods are safe from any thread.
 */
public final class QuorumController implements MetadataStateMachine.Listener, Closeable {
    /** Producer ids handed out per AllocateProducerIds call. */
    public static final int PRODUCER_ID_BLOCK = 1000;

    private final QuorumServer quorum;
    private final ActiveProposer proposer;
    private final BrokerSessions sessions;
    private final QuorumVoters voters;
    private final PartitionAlterations alterations;
    private final ScheduledExecutorService scheduler;
    private final int maxPartitionsPerTopic;
    private final int defaultReplicationFactor;
    private final ProducerIdKeys producerIdKeys = new ProducerIdKeys();

    /** Partitions a topic may have unless the node says otherwise. */
    public static final int DEFAULT_MAX_PARTITIONS_PER_TOPIC = 10_000;
    /** Replicas of a topic created without a replication factor, unless the node says otherwise (Kafka's default too). */
    public static final int DEFAULT_REPLICATION_FACTOR = 1;

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
        this.quorum = quorum;
        this.proposer = new ActiveProposer(quorum);
        this.sessions = new BrokerSessions(quorum, proposer, producerIdKeys, clock, scheduler, sessionTimeoutMs,
            heartbeatIntervalMs, probe);
        this.voters = new QuorumVoters(quorum, scheduler);
        this.alterations = new PartitionAlterations(quorum, proposer);
        this.scheduler = scheduler;
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
        sessions.becameActive();
    }

    @Override
    public void onNotLeader() {
        sessions.stopped();
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
        return proposer.decide(() -> PartitionDecisions.reassignPartition(quorum.image(), topic, partition, replicas, throttleBytesPerSec));
    }

    /**
     * Starts or cancels several moves in one metadata batch, all or nothing
     * ({@link PartitionDecisions#reassignPartitions}; a refusal fails the future with a
     * {@link MovesRefusedException} naming each refused move).
     */
    public CompletableFuture<ApplyResult> reassignPartitions(List<ReassignmentMove> moves, long throttleBytesPerSec,
                                                             boolean cancel) {
        return proposer.decide(() -> PartitionDecisions.reassignPartitions(quorum.image(), moves, throttleBytesPerSec, cancel));
    }

    /** Undoes an ongoing move ({@link PartitionDecisions#cancelReassignment}). */
    public CompletableFuture<ApplyResult> cancelReassignment(String topic, int partition) {
        return proposer.decide(() -> PartitionDecisions.cancelReassignment(quorum.image(), topic, partition));
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
        return sessions.register(request);
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
        return sessions.heartbeat(brokerId, brokerEpoch, metadataOffset, wantShutdown, logDirOffline, connection);
    }

    /**
     * A client connection to this controller closed. A broker whose heartbeats came on it is fenced
     * if no heartbeat arrives (on a new connection) within a heartbeat interval, or at once if its
     * listener refuses a connection before it heartbeats again.
     */
    public void connectionClosed(SocketAddress remote) {
        sessions.connectionClosed(remote);
    }

    /**
     * A leader's ISR change, serialized per partition by {@link PartitionAlterations}.
     *
     * @return the partition as committed
     */
    public CompletableFuture<PartitionInfo> alterPartition(int brokerId, long brokerEpoch, String topic, int partition,
                                                          int leaderEpoch, int partitionEpoch, List<Integer> newIsr) {
        return alterations.alter(brokerId, brokerEpoch, topic, partition, leaderEpoch, partitionEpoch, newIsr);
    }

    private void checkPartitionCount(String topic, int partitions) {
        if (partitions > maxPartitionsPerTopic) {
            throw new ControllerException(ErrorCode.INVALID_PARTITIONS, "topic '" + topic + "' would have " + partitions
                + " partitions, over the limit of " + maxPartitionsPerTopic + " (max.partitions.per.topic)");
        }
    }

    /** @return the first id of a new block of {@link #PRODUCER_ID_BLOCK} producer ids */
    public CompletableFuture<Long> allocateProducerIds(int brokerId, long brokerEpoch) {
        return proposer.decide(() -> {
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
        return proposer.decide(() -> {
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
        return proposer.decide(() -> ControllerLogic.deleteTopic(quorum.image(), name));
    }

    public CompletableFuture<ApplyResult> increasePartitions(String name, int count) {
        return proposer.decide(() -> {
            checkPartitionCount(name, count);
            return ControllerLogic.increasePartitions(quorum.image(), name, count);
        });
    }

    public CompletableFuture<ApplyResult> alterConfigs(String name, Map<String, String> configs) {
        return proposer.decide(() -> ControllerLogic.alterConfigs(quorum.image(), name, configs));
    }

    public CompletableFuture<ApplyResult> createAcls(List<AclEntry> acls) {
        return proposer.decide(() -> AclChanges.create(acls));
    }

    /** @return the bindings removed: those of the image any filter matches (none is not an error) */
    public CompletableFuture<List<AclBinding>> deleteAcls(List<AclEntry> filters) {
        return proposer.whenActive(() -> {
            List<AclBinding> removed = AclChanges.matching(quorum.image().acls(), filters);
            return removed.isEmpty() ? CompletableFuture.completedFuture(removed)
                : proposer.propose(AclChanges.delete(removed)).thenApply(r -> removed);
        });
    }

    /** The bindings {@code filter} matches in the active controller's image. */
    public CompletableFuture<List<AclBinding>> describeAcls(AclEntry filter) {
        return proposer.whenActive(() -> CompletableFuture.completedFuture(quorum.image().acls().matching(new AclFilter(filter))));
    }

    /** Leadership back to the preferred replicas ({@link PreferredLeaders}); an empty map: every partition. */
    public CompletableFuture<PreferredLeaders.Election> electPreferredLeaders(Map<String, Set<Integer>> partitions) {
        return proposer.whenActive(() -> {
            PreferredLeaders.Election election = PreferredLeaders.elect(quorum.image(), partitions);
            return election.moved() == 0 ? CompletableFuture.completedFuture(election)
                : proposer.propose(election.batch()).thenApply(r -> election);
        });
    }

    /** Adding, removing and describing the controller quorum's voters. */
    public QuorumVoters voters() {
        return voters;
    }

    @Override
    public void close() {
        onNotLeader();
    }
}
