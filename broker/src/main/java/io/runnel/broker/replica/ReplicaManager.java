package io.runnel.broker.replica;

import io.runnel.broker.partition.AlterPartitionSender;
import io.runnel.broker.partition.FetchRequestParams;
import io.runnel.broker.partition.Partition;
import io.runnel.broker.partition.PartitionException;
import io.runnel.broker.partition.PartitionState;
import io.runnel.broker.partition.TopicPartition;
import io.runnel.broker.purgatory.DelayedOperationPurgatory;
import io.runnel.log.FlushPolicy;
import io.runnel.log.Log;
import io.runnel.log.TimestampOffset;
import io.runnel.metadata.controller.ControllerException;
import io.runnel.metadata.controller.ControllerLogic;
import java.io.Closeable;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The partitions this broker hosts, and the produce and fetch paths over them. Metadata decides
 * roles ({@link #applyPartitionState}); this class never elects anyone. Waiting requests (acks=all
 * produces, long polls) sit in purgatories and are completed by the append or follower fetch that
 * makes progress, or by their timeout. The produce path is {@link ReplicaWrites}, the fetch path
 * {@link ReplicaReads}, the periodic passes {@link ReplicaMaintenance}; this class owns the
 * partition map and the purgatories they share.
 *
 * <p>Thread-safety: every public method is safe from any thread; partitions serialize their own
 * state changes.
 */
public final class ReplicaManager implements Closeable {

    /** Timestamps for {@link #listOffset}: the log start offset, and the high watermark. */
    public static final long EARLIEST_TIMESTAMP = -2L;
    public static final long LATEST_TIMESTAMP = -1L;

    private final int brokerId;
    private final PartitionDirectories directories;
    private final Clock clock;
    private final ReplicaExecutors executors;
    private final AlterPartitionSender alterPartition;
    private final ReplicaMaintenance maintenance;
    private final ConcurrentHashMap<TopicPartition, Hosted> partitions = new ConcurrentHashMap<>();
    private final DelayedOperationPurgatory<TopicPartition> producePurgatory;
    private final DelayedOperationPurgatory<TopicPartition> fetchPurgatory;
    private final List<ScheduledFuture<?>> tasks;
    private final FetchLimits fetchLimits;
    private final int maxProducersPerPartition;
    private final long producerIdExpirationMs;
    /** The data directory's health: the first I/O error on a log takes it offline ({@link LogDirHealth}). */
    private final LogDirHealth health;
    /** The produce path (appends, acks=all waits in the produce purgatory). */
    private final ReplicaWrites writes;
    /** The fetch path (reads, long polls in the fetch purgatory). */
    private final ReplicaReads reads;
    /** Holds back the catch-up fetches of replicas a reassignment adds, on partitions led here. */
    private final ReassignmentThrottle throttle;
    private volatile Consumer<Map<TopicPartition, PartitionState>> followerListener = changes -> { };

    /** A hosted replica and the topic settings it was opened or last updated with. */
    record Hosted(Partition partition, PartitionConfig config) {
    }

    /** Every background job on {@code scheduler} (tests and tools); see the other constructor. */
    public ReplicaManager(int brokerId, Path dataDir, Clock clock, ScheduledExecutorService scheduler,
                          AlterPartitionSender alterPartition, long replicaLagTimeMaxMs, long hwCheckpointIntervalMs) {
        this(brokerId, dataDir, clock, ReplicaExecutors.sharing(scheduler), alterPartition, replicaLagTimeMaxMs,
            hwCheckpointIntervalMs);
    }

    /**
     * @param executors one per background job (see {@link ReplicaExecutors}); owned by the caller
     * @param replicaLagTimeMaxMs a follower not caught up for this long leaves the ISR
     * @param hwCheckpointIntervalMs how often high watermarks are written beside each log
     */
    public ReplicaManager(int brokerId, Path dataDir, Clock clock, ReplicaExecutors executors,
                          AlterPartitionSender alterPartition, long replicaLagTimeMaxMs, long hwCheckpointIntervalMs) {
        this(brokerId, dataDir, clock, executors, alterPartition, replicaLagTimeMaxMs, hwCheckpointIntervalMs,
            FetchLimits.DEFAULTS, Partition.DEFAULT_MAX_PRODUCERS);
    }

    /**
     * As above, with the node's bounds on what one fetch may cost ({@link FetchLimits}) and on the
     * idempotent producers each partition remembers ({@code max.producers.per.partition}).
     */
    public ReplicaManager(int brokerId, Path dataDir, Clock clock, ReplicaExecutors executors,
                          AlterPartitionSender alterPartition, long replicaLagTimeMaxMs, long hwCheckpointIntervalMs,
                          FetchLimits fetchLimits, int maxProducersPerPartition) {
        this(brokerId, dataDir, clock, executors, alterPartition, replicaLagTimeMaxMs, hwCheckpointIntervalMs, fetchLimits,
            maxProducersPerPartition, Partition.DEFAULT_PRODUCER_ID_EXPIRATION_MS);
    }

    /** As above, with how long an idle idempotent producer is remembered ({@code producer.id.expiration.ms}). */
    public ReplicaManager(int brokerId, Path dataDir, Clock clock, ReplicaExecutors executors,
                          AlterPartitionSender alterPartition, long replicaLagTimeMaxMs, long hwCheckpointIntervalMs,
                          FetchLimits fetchLimits, int maxProducersPerPartition, long producerIdExpirationMs) {
        this.brokerId = brokerId;
        this.producerIdExpirationMs = producerIdExpirationMs;
        this.fetchLimits = fetchLimits;
        this.maxProducersPerPartition = maxProducersPerPartition;
        this.directories = new PartitionDirectories(dataDir);
        this.health = new LogDirHealth(dataDir);
        this.clock = clock;
        this.executors = executors;
        this.alterPartition = alterPartition;
        this.maintenance = new ReplicaMaintenance(
            () -> partitions.values().stream().map(Hosted::partition).toList(), replicaLagTimeMaxMs, health);
        this.producePurgatory = new DelayedOperationPurgatory<>("produce", executors.purgatory());
        this.fetchPurgatory = new DelayedOperationPurgatory<>("fetch", executors.purgatory());
        this.writes = new ReplicaWrites(partitions, producePurgatory, fetchPurgatory, health);
        this.throttle = new ReassignmentThrottle(clock);
        this.reads = new ReplicaReads(partitions, fetchLimits, producePurgatory, fetchPurgatory, executors.purgatory(), health,
            throttle);
        health.onOffline(this::takeLogsOffline);
        long shrinkEvery = Math.max(1, replicaLagTimeMaxMs / 2);
        this.tasks = List.of(
            executors.isrChecks().scheduleWithFixedDelay(maintenance::shrinkIsrs, shrinkEvery, shrinkEvery, TimeUnit.MILLISECONDS),
            executors.hwCheckpoints().scheduleWithFixedDelay(this::checkpointHighWatermarks, hwCheckpointIntervalMs,
                hwCheckpointIntervalMs, TimeUnit.MILLISECONDS));
    }

    /** Called with the partitions this broker now follows (and their states) after each metadata change. */
    public void onFollowerChanges(Consumer<Map<TopicPartition, PartitionState>> listener) {
        this.followerListener = listener;
    }

    /** The live map of hosted replicas, for this package's readers (never changed through it). */
    Map<TopicPartition, Hosted> hosted() {
        return partitions;
    }

    public int brokerId() {
        return brokerId;
    }

    /** Whether the data directory is online; tell {@link LogDirHealth#onError} of a log's I/O error. */
    public LogDirHealth logDirHealth() {
        return health;
    }

    /**
     * The data directory went offline: every log is closed without flushing or the clean-shutdown
     * marker (the restart recovers them), waiting requests are answered, the fetchers stop.
     */
    private void takeLogsOffline() {
        for (Map.Entry<TopicPartition, Hosted> e : partitions.entrySet()) {
            e.getValue().partition().log().closeHandlers();
            producePurgatory.checkAndComplete(e.getKey());
            fetchPurgatory.checkAndComplete(e.getKey());
        }
        followerListener.accept(Map.of());
    }

    /** The bounds every fetch here is held to; the Fetch service converts records within them too. */
    public FetchLimits fetchLimits() {
        return fetchLimits;
    }

    /** Fetches parked now, waiting for data (for metrics and tests). */
    public int parkedFetches() {
        return reads.parkedFetches();
    }

    public Optional<Partition> partition(TopicPartition tp) {
        Hosted h = partitions.get(tp);
        return h == null ? Optional.empty() : Optional.of(h.partition());
    }

    /** The topic settings a hosted partition was opened or last updated with. */
    public Optional<PartitionConfig> config(TopicPartition tp) {
        Hosted h = partitions.get(tp);
        return h == null ? Optional.empty() : Optional.of(h.config());
    }

    /**
     * Whether appending to any of {@code tps} waits for an fsync ({@code flush.policy=sync}), so a
     * caller on an event-loop thread hands the append to a thread that may block.
     */
    public boolean appendMayBlock(Collection<TopicPartition> tps) {
        for (TopicPartition tp : tps) {
            Hosted h = partitions.get(tp);
            if (h != null && h.config().log().flushPolicy() == FlushPolicy.SYNC) {
                return true;
            }
        }
        return false;
    }

    public Map<TopicPartition, Partition> partitions() {
        Map<TopicPartition, Partition> out = new HashMap<>();
        partitions.forEach((tp, h) -> out.put(tp, h.partition()));
        return out;
    }

    // ---------------------------------------------------------------- metadata

    /**
     * Applies the controller's decisions for partitions that have a replica here: opens (or creates)
     * their logs, applies changed topic settings to those already open, makes this broker leader or
     * follower, and hands the follower set to the fetchers.
     */
    public void applyPartitionStates(Map<TopicPartition, PartitionState> states, Map<TopicPartition, PartitionConfig> configs) {
        applyPartitionStates(states, configs, Map.of());
    }

    /**
     * As above, opening each new log in a directory that holds its topic's id ({@link PartitionDirectories}).
     *
     * @param topicIds each partition's topic id; a partition without one is opened unchecked
     */
    public void applyPartitionStates(Map<TopicPartition, PartitionState> states, Map<TopicPartition, PartitionConfig> configs,
                                     Map<TopicPartition, String> topicIds) {
        if (health.offline()) {
            return; // nothing is served from an offline directory until the broker restarts
        }
        Map<TopicPartition, PartitionState> following = new HashMap<>();
        for (Map.Entry<TopicPartition, PartitionState> e : states.entrySet()) {
            TopicPartition tp = e.getKey();
            PartitionState state = e.getValue();
            if (!state.replicas().contains(brokerId)) {
                continue;
            }
            Hosted hosted;
            try {
                hosted = partitions.computeIfAbsent(tp, k -> open(k, configs.get(k), topicIds.get(k)));
            } catch (RuntimeException ex) {
                if (!LogDirHealth.isStorageError(ex)) {
                    throw ex;
                }
                health.fail("opening the log of " + tp + ": " + ex.getMessage(), ex);
                return;
            }
            PartitionConfig config = configs.get(tp);
            if (config != null && !config.equals(hosted.config())) {
                // A topic's settings changed (AlterConfigs): the open partition and its log follow at once.
                hosted.partition().log().updateConfig(config.log());
                hosted = new Hosted(hosted.partition(), config);
                partitions.put(tp, hosted);
            }
            if (state.leaderId() == brokerId) {
                hosted.partition().makeLeader(state);
            } else {
                hosted.partition().makeFollower(state);
                following.put(tp, state);
            }
            // A role change can complete or fail waiting requests (NOT_LEADER).
            producePurgatory.checkAndComplete(tp);
            fetchPurgatory.checkAndComplete(tp);
        }
        followerListener.accept(following);
    }

    /** The replication throttle of partitions being moved ({@link ReassignmentThrottle}); its settings come with the metadata. */
    public ReassignmentThrottle reassignmentThrottle() {
        return throttle;
    }

    /** Stops hosting a partition; deletes its log if asked (topic deleted or replica moved). */
    public void removePartition(TopicPartition tp, boolean deleteLog) {
        Hosted hosted = partitions.remove(tp);
        if (hosted == null) {
            return;
        }
        maintenance.forget(tp);
        producePurgatory.checkAndComplete(tp);
        fetchPurgatory.checkAndComplete(tp);
        if (deleteLog) {
            hosted.partition().log().delete();
        } else {
            hosted.partition().log().checkpointHighWatermark(hosted.partition().highWatermark());
            hosted.partition().log().close();
        }
    }

    /**
     * Deletes partition directories of partitions not in {@code hosted} (see {@link PartitionDirectories}).
     * Call only with the partitions metadata gives this broker, once the applied metadata holds
     * everything up to its registration (a log that failed to open is still kept).
     */
    public List<String> removeOrphanDirectories(Set<TopicPartition> hosted) {
        return directories.removeOrphans(hosted);
    }

    private Hosted open(TopicPartition tp, PartitionConfig config, String topicId) {
        if (config == null) {
            throw new IllegalArgumentException("no config for " + tp);
        }
        Log replicaLog = Log.open(directories.prepare(tp, topicId), config.log(), clock, executors.logFlush());
        Partition partition = new Partition(tp, brokerId, replicaLog, replicaLog.checkpointedHighWatermark(), clock,
            alterPartition, maxProducersPerPartition, producerIdExpirationMs);
        return new Hosted(partition, config);
    }

    // ---------------------------------------------------------------- produce

    /**
     * Appends the brokers' own batches (every one admitted) to the partitions this broker leads.
     *
     * @param acks 0 or 1: answer after the leader's append; -1: after the ISR has the records
     * @return per-partition results; every partition in the request gets one
     * @throws IllegalArgumentException for acks other than -1, 0, 1 or a negative timeout
     */
    public CompletableFuture<Map<TopicPartition, ProduceResult>> appendRecords(int acks, long timeoutMs,
                                                                              Map<TopicPartition, ByteBuffer> batches) {
        return appendRecords(acks, timeoutMs, batches, ProduceAdmission.ALL);
    }

    /**
     * Appends producers' batches to the partitions this broker leads; each partition's batches are
     * validated once and then shown to {@code admission}, which may refuse that partition (before
     * anything of it is appended).
     *
     * @param acks 0 or 1: answer after the leader's append; -1: after the ISR has the records
     * @return per-partition results; every partition in the request gets one
     * @throws IllegalArgumentException for acks other than -1, 0, 1 or a negative timeout
     */
    public CompletableFuture<Map<TopicPartition, ProduceResult>> appendRecords(int acks, long timeoutMs,
                                                                              Map<TopicPartition, ByteBuffer> batches,
                                                                              ProduceAdmission admission) {
        return writes.appendRecords(acks, timeoutMs, batches, admission);
    }

    /**
     * The error for a partition this broker hosts no replica of: INVALID_TOPIC (as the controller's
     * {@link ControllerException}) if the name could never be a topic's, else unknown (retriable).
     */
    static RuntimeException missing(TopicPartition tp) {
        try {
            ControllerLogic.validateTopicName(tp.topic());
        } catch (ControllerException invalid) {
            return invalid;
        }
        return new UnknownTopicOrPartitionException(tp);
    }

    // ---------------------------------------------------------------- fetch

    /**
     * Reads from the partitions this broker leads, for a consumer ({@code replicaId} -1, up to the
     * high watermark) or a follower (up to the log end offset; its fetch offsets advance the ISR
     * state). Waits up to {@code maxWaitMs} for {@code minBytes} unless an error or a divergence
     * answers sooner. Held to {@link FetchLimits}; see {@link ReplicaReads#fetch}.
     *
     * @param requests in the order partitions should fill {@code maxBytes}
     * @throws IllegalArgumentException for negative waits or sizes
     */
    public CompletableFuture<Map<TopicPartition, FetchPartitionResult>> fetch(long maxWaitMs, int minBytes, int maxBytes,
                                                                             Map<TopicPartition, FetchRequestParams> requests) {
        return reads.fetch(maxWaitMs, minBytes, maxBytes, requests);
    }

    // ---------------------------------------------------------------- log maintenance

    /** One pass of retention and compaction over every hosted log ({@link ReplicaMaintenance#maintainLogs}). */
    public void maintainLogs() {
        maintenance.maintainLogs();
    }

    // ---------------------------------------------------------------- offsets

    /**
     * DeleteRecords: moves the log start offset of a partition this broker leads up to
     * {@code offset} (-1: its high watermark); see {@link Partition#deleteRecordsBefore}.
     *
     * @return the partition's log start offset afterwards
     * @throws UnknownTopicOrPartitionException if it has no replica of the partition
     */
    public long deleteRecords(TopicPartition tp, long offset) {
        Hosted hosted = partitions.get(tp);
        if (hosted == null) {
            throw missing(tp);
        }
        health.check(tp);
        try {
            return hosted.partition().deleteRecordsBefore(offset);
        } catch (RuntimeException e) {
            throw health.onError(tp, e);
        }
    }

    /**
     * The earliest offset ({@link #EARLIEST_TIMESTAMP}), the high watermark ({@link #LATEST_TIMESTAMP}),
     * or the first offset whose record timestamp is at or after {@code timestamp}, as (timestamp,
     * offset); (-1, -1) when no record is that recent. Only the leader answers.
     *
     * @throws PartitionException.NotLeaderException if this broker does not lead the partition
     * @throws UnknownTopicOrPartitionException      if it has no replica of it
     * @throws IllegalArgumentException              for a timestamp below -2
     */
    public TimestampOffset listOffset(TopicPartition tp, long timestamp) {
        if (timestamp < EARLIEST_TIMESTAMP) {
            throw new IllegalArgumentException("timestamp must be -2 (earliest), -1 (latest) or >= 0, got " + timestamp);
        }
        Hosted hosted = partitions.get(tp);
        if (hosted == null) {
            throw missing(tp);
        }
        health.check(tp);
        Partition p = hosted.partition();
        if (!p.isLeader()) {
            PartitionState s = p.state();
            throw new PartitionException.NotLeaderException(tp, s == null ? -1 : s.leaderId(), s == null ? -1 : s.leaderEpoch());
        }
        if (timestamp == EARLIEST_TIMESTAMP) {
            return new TimestampOffset(-1, p.log().logStartOffset());
        }
        if (timestamp == LATEST_TIMESTAMP) {
            return new TimestampOffset(-1, p.highWatermark());
        }
        try {
            return p.log().offsetForTimestamp(timestamp)
                .filter(found -> found.offset() < p.highWatermark())
                .orElse(new TimestampOffset(-1, -1));
        } catch (RuntimeException e) {
            throw health.onError(tp, e);
        }
    }

    /** Writes every changed high watermark beside its log. */
    public void checkpointHighWatermarks() {
        if (!health.offline()) {
            maintenance.checkpointHighWatermarks();
        }
    }

    /** Checkpoints high watermarks and closes every log cleanly. */
    @Override
    public void close() {
        tasks.forEach(t -> t.cancel(false));
        checkpointHighWatermarks();
        // An offline directory's logs were closed without the marker; close() leaves them so.
        for (TopicPartition tp : List.copyOf(partitions.keySet())) {
            Hosted hosted = partitions.remove(tp);
            if (hosted != null) {
                hosted.partition().log().close();
            }
        }
    }
}
