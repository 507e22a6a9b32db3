package io.runnel.broker.group;

import io.runnel.broker.partition.Partition;
import io.runnel.broker.partition.PartitionException.NotLeaderException;
import io.runnel.broker.partition.TopicPartition;
import io.runnel.broker.replica.KafkaStorageException;
import io.runnel.broker.replica.ProduceResult;
import io.runnel.broker.replica.ReplicaManager;
import io.runnel.metadata.image.BrokerInfo;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.metadata.image.PartitionInfo;
import io.runnel.metadata.image.TopicInfo;
import io.runnel.proto.v1.ConsumerGroupHeartbeatRequest;
import io.runnel.proto.v1.ConsumerGroupHeartbeatResponse;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.FindCoordinatorResponse;
import java.io.Closeable;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consumer-group coordinator of one broker: it serves the groups whose
 * {@code __consumer_offsets} partition ({@code floorMod(groupId.hashCode(), partitions)}) this
 * broker leads. Every state change is appended to that partition with acks=all before it is
 * answered, so the next leader rebuilds the same groups by replaying it.
 *
 * <p>Thread-safety: safe from any thread; each shard's monitor serializes its groups, and appends
 * happen under it, so the log holds changes in the order they were made. Joins, heartbeats and
 * leaves are handled by {@link MemberHeartbeats}, offsets by {@link GroupOffsets}, list and describe
 * by {@link GroupQueries}.
 */
public final class GroupCoordinator implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(GroupCoordinator.class);
    static final int MAX_GROUP_ID_LENGTH = 249;

    /** Creates {@code __consumer_offsets} through the active controller. */
    public interface OffsetsTopicCreator {
        CompletableFuture<Void> create(String topic, int partitions, int replicationFactor, Map<String, String> configs);
    }

    private final int brokerId;
    private final ReplicaManager replicaManager;
    private final GroupSettings settings;
    private final Clock clock;
    private final ScheduledExecutorService scheduler;
    /** Set by {@link #close}: metadata arriving while the node stops is ignored (its executors are going). */
    private volatile boolean stopped;
    final Map<Integer, CoordinatorShard> shards = new ConcurrentHashMap<>();
    private volatile MetadataImage image = MetadataImage.EMPTY;
    private volatile Map<String, Integer> topics = Map.of();
    private final ScheduledFuture<?> sweeper;
    private final MemberHeartbeats membership;
    private final CoordinatorFinder finder;

    public GroupCoordinator(int brokerId, ReplicaManager replicaManager, GroupSettings settings, Clock clock,
                            ScheduledExecutorService scheduler, OffsetsTopicCreator creator) {
        this.brokerId = brokerId;
        this.replicaManager = replicaManager;
        this.settings = settings;
        this.clock = clock;
        this.scheduler = scheduler;
        this.finder = new CoordinatorFinder(settings, creator);
        this.membership = new MemberHeartbeats(this, settings, clock);
        long period = Math.max(10, Math.min(100, settings.minSessionTimeoutMs() / 5));
        this.sweeper = scheduler.scheduleWithFixedDelay(this::sweep, period, period, TimeUnit.MILLISECONDS);
    }

    public GroupSettings settings() {
        return settings;
    }

    int brokerId() {
        return brokerId;
    }

    Map<String, Integer> topics() {
        return topics;
    }

    MetadataImage image() {
        return image;
    }

    // ---------------------------------------------------------------- metadata

    /**
     * Follows a new metadata image: starts loading the offsets partitions this broker now leads,
     * drops those it no longer leads, and lets loaded groups react to topic changes.
     */
    public void onMetadata(MetadataImage newImage) {
        if (stopped) {
            return;
        }
        image = newImage;
        Map<String, Integer> counts = new HashMap<>();
        newImage.topics().forEach((name, t) -> {
            if (!name.equals(GroupSettings.OFFSETS_TOPIC)) {
                counts.put(name, t.partitions().size());
            }
        });
        topics = Map.copyOf(counts);
        TopicInfo offsetsTopic = newImage.topics().get(GroupSettings.OFFSETS_TOPIC);
        Set<Integer> led = new HashSet<>();
        if (offsetsTopic != null) {
            for (PartitionInfo p : offsetsTopic.partitions().values()) {
                if (p.leader() != brokerId) {
                    continue;
                }
                led.add(p.partition());
                CoordinatorShard current = shards.get(p.partition());
                if (current == null || current.leaderEpoch != p.leaderEpoch()) {
                    CoordinatorShard shard = new CoordinatorShard(new TopicPartition(GroupSettings.OFFSETS_TOPIC, p.partition()),
                        p.leaderEpoch());
                    shards.put(p.partition(), shard);
                    if (current != null) {
                        current.closed = true;
                    }
                    scheduler.execute(() -> load(shard));
                }
            }
        }
        for (Integer p : List.copyOf(shards.keySet())) {
            if (!led.contains(p)) {
                CoordinatorShard gone = shards.remove(p);
                gone.closed = true;
                log.info("No longer coordinating the groups of {}", gone.partition);
            }
        }
        scheduler.execute(this::onTopics);
    }

    private void load(CoordinatorShard shard) {
        if (shard.closed) {
            return;
        }
        Partition partition = replicaManager.partition(shard.partition).orElse(null);
        if (partition == null) {
            log.warn("Cannot load groups of {}: no local replica", shard.partition);
            return;
        }
        try {
            shard.load(partition.log(), topics, clock.millis());
        } catch (RuntimeException e) {
            log.error("Loading groups of {} failed; retrying", shard.partition, e);
            scheduler.schedule(() -> load(shard), 1, TimeUnit.SECONDS);
        }
    }

    private void onTopics() {
        Map<String, Integer> now = topics;
        for (CoordinatorShard shard : shards.values()) {
            synchronized (shard) {
                if (!shard.loaded || shard.closed) {
                    continue;
                }
                List<GroupRecords.Entry> out = new ArrayList<>();
                for (ConsumerGroup g : shard.groups.values()) {
                    g.dropOffsetsOfDeletedTopics(now.keySet(), out);
                    g.onTopics(now, out);
                    g.reconcile(out);
                }
                write(shard, out);
            }
        }
    }

    /** Expires sessions and old empty groups, and hands out partitions released meanwhile. */
    private void sweep() {
        try {
            long now = clock.millis();
            for (CoordinatorShard shard : shards.values()) {
                synchronized (shard) {
                    if (!shard.loaded || shard.closed) {
                        continue;
                    }
                    List<GroupRecords.Entry> out = new ArrayList<>();
                    for (ConsumerGroup g : List.copyOf(shard.groups.values())) {
                        if (g.expire(now, settings.offsetsRetentionMs(), topics, out)) {
                            shard.groups.remove(g.id);
                        } else {
                            g.reconcile(out);
                        }
                    }
                    write(shard, out);
                }
            }
        } catch (RuntimeException e) {
            log.warn("Group sweep failed", e);
        }
    }

    // ---------------------------------------------------------------- find coordinator

    /** The broker leading the group's offsets partition ({@link CoordinatorFinder}); creates the offsets topic on first use. */
    public FindCoordinatorResponse findCoordinator(String groupId) {
        return finder.find(groupId, image);
    }

    /** Java's String hash, as group.proto documents, so any client can compute it too. */
    public static int partitionFor(String groupId, int partitions) {
        return Math.floorMod(groupId.hashCode(), partitions);
    }

    static String validateGroupId(String groupId) {
        if (groupId == null || groupId.isEmpty()) {
            return "group id is empty";
        }
        if (groupId.length() > MAX_GROUP_ID_LENGTH) {
            return "group id is " + groupId.length() + " characters, over the limit of " + MAX_GROUP_ID_LENGTH;
        }
        return null;
    }

    // ---------------------------------------------------------------- shards

    /** The loaded shard of a group, or the error to answer with. */
    record Lookup(CoordinatorShard shard, ErrorCode error, String message) {
    }

    Lookup shardFor(String groupId) {
        String bad = validateGroupId(groupId);
        if (bad != null) {
            return new Lookup(null, ErrorCode.INVALID_GROUP_ID, bad);
        }
        TopicInfo offsetsTopic = image.topics().get(GroupSettings.OFFSETS_TOPIC);
        if (offsetsTopic == null) {
            return new Lookup(null, ErrorCode.COORDINATOR_NOT_AVAILABLE, GroupSettings.OFFSETS_TOPIC + " does not exist yet");
        }
        int partition = partitionFor(groupId, offsetsTopic.partitions().size());
        CoordinatorShard shard = shards.get(partition);
        if (shard == null) {
            return new Lookup(null, ErrorCode.NOT_COORDINATOR, "broker " + brokerId + " does not coordinate group '" + groupId
                + "' (" + GroupSettings.OFFSETS_TOPIC + "-" + partition + ")");
        }
        if (!shard.loaded) {
            return new Lookup(null, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, "loading " + shard.partition);
        }
        return new Lookup(shard, ErrorCode.NONE, "");
    }

    /**
     * Appends the entries (the caller holds the shard's monitor, so log order is change order).
     *
     * @return completes with NONE once replicated to the ISR, or the error to answer with; on a
     * failure the shard reloads from its log, dropping in-memory changes that did not persist
     */
    CompletableFuture<ErrorCode> write(CoordinatorShard shard, List<GroupRecords.Entry> entries) {
        return writeAt(shard, entries).thenApply(Written::code);
    }

    /** The outcome of an append: NONE and the batch's first offset, or the error to answer with. */
    record Written(ErrorCode code, long baseOffset) {
    }

    /** {@link #write}, also telling where the records landed (-1 when there was nothing to write). */
    CompletableFuture<Written> writeAt(CoordinatorShard shard, List<GroupRecords.Entry> entries) {
        if (entries.isEmpty()) {
            return CompletableFuture.completedFuture(new Written(ErrorCode.NONE, -1));
        }
        CompletableFuture<Map<TopicPartition, ProduceResult>> appended;
        try {
            appended = replicaManager.appendRecords(-1, settings.offsetsCommitTimeoutMs(),
                Map.of(shard.partition, GroupRecords.batch(entries, clock.millis())));
        } catch (RuntimeException e) {
            appended = CompletableFuture.failedFuture(e);
        }
        return appended.handle((results, error) -> {
            ProduceResult r = results == null ? null : results.get(shard.partition);
            if (error == null && r != null && r.succeeded()) {
                return new Written(ErrorCode.NONE, r.baseOffset());
            }
            Throwable cause = error != null ? error : r == null ? null : r.error();
            log.warn("Writing {} group records to {} failed ({}); reloading its groups", entries.size(), shard.partition,
                cause == null ? "no result" : cause.toString());
            reload(shard);
            // Kafka's mapping: the partition's leadership is gone or going (a lost leadership, a
            // replica moved away, an offline log directory), so the client finds the new coordinator.
            return new Written(cause instanceof NotLeaderException || cause instanceof KafkaStorageException
                ? ErrorCode.NOT_COORDINATOR : ErrorCode.COORDINATOR_NOT_AVAILABLE, -1);
        });
    }

    private void reload(CoordinatorShard shard) {
        if (shard.closed || shards.get(shard.partition.partition()) != shard) {
            return;
        }
        CoordinatorShard fresh = new CoordinatorShard(shard.partition, shard.leaderEpoch);
        if (shards.replace(shard.partition.partition(), shard, fresh)) {
            shard.closed = true;
            scheduler.execute(() -> load(fresh));
        }
    }

    // ---------------------------------------------------------------- heartbeat

    /** Joins, heartbeats or leaves ({@link MemberHeartbeats}); see group.proto for the protocol and its errors. */
    public CompletableFuture<ConsumerGroupHeartbeatResponse> heartbeat(ConsumerGroupHeartbeatRequest request) {
        return membership.heartbeat(request);
    }

    @Override
    public void close() {
        stopped = true;
        sweeper.cancel(false);
        shards.values().forEach(s -> s.closed = true);
        shards.clear();
    }
}
