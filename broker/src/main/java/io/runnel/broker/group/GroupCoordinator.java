package io.runnel.broker.group;

import com.google.re2j.Pattern;
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
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consumer-group coordinator of one broker: it serves the groups whose
 * {@code __consumer_offsets} partition ({@code floorMod(groupId.hashCode(), partitions)}) this
 * broker leads. Every state change is appended to that partition with acks=all before it is
 * answered, so the next leader rebuilds the same groups by replaying it.
 *
 * <p>Thread-safety: safe from any thread; each shard's monitor serializes its groups, and appends
 * happen under it, so the log holds changes in the order they were made. Offsets are handled by
 * {@link GroupOffsets}, list and describe by {@link GroupQueries}.
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
    private final OffsetsTopicCreator creator;
    final Map<Integer, CoordinatorShard> shards = new ConcurrentHashMap<>();
    private volatile MetadataImage image = MetadataImage.EMPTY;
    private volatile Map<String, Integer> topics = Map.of();
    private final AtomicBoolean creating = new AtomicBoolean();
    private final ScheduledFuture<?> sweeper;

    public GroupCoordinator(int brokerId, ReplicaManager replicaManager, GroupSettings settings, Clock clock,
                            ScheduledExecutorService scheduler, OffsetsTopicCreator creator) {
        this.brokerId = brokerId;
        this.replicaManager = replicaManager;
        this.settings = settings;
        this.clock = clock;
        this.scheduler = scheduler;
        this.creator = creator;
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

    /** The broker leading the group's offsets partition; creates the offsets topic on first use. */
    public FindCoordinatorResponse findCoordinator(String groupId) {
        String bad = validateGroupId(groupId);
        if (bad != null) {
            return FindCoordinatorResponse.newBuilder().setError(ErrorCode.INVALID_GROUP_ID).setErrorMessage(bad).build();
        }
        MetadataImage current = image;
        TopicInfo offsetsTopic = current.topics().get(GroupSettings.OFFSETS_TOPIC);
        if (offsetsTopic == null) {
            createOffsetsTopic(current);
            return FindCoordinatorResponse.newBuilder().setError(ErrorCode.COORDINATOR_NOT_AVAILABLE)
                .setErrorMessage(GroupSettings.OFFSETS_TOPIC + " is being created").build();
        }
        int partition = partitionFor(groupId, offsetsTopic.partitions().size());
        PartitionInfo p = offsetsTopic.partitions().get(partition);
        BrokerInfo leader = p == null ? null : current.brokers().get(p.leader());
        if (leader == null || leader.fenced()) {
            return FindCoordinatorResponse.newBuilder().setError(ErrorCode.COORDINATOR_NOT_AVAILABLE)
                .setErrorMessage(GroupSettings.OFFSETS_TOPIC + "-" + partition + " has no live leader").build();
        }
        return FindCoordinatorResponse.newBuilder().setCoordinator(io.runnel.proto.v1.BrokerInfo.newBuilder().setId(leader.id())
            .setHost(leader.host()).setPort(leader.port()).setRack(leader.rack() == null ? "" : leader.rack())).build();
    }

    /** Java's String hash, as group.proto documents, so any client can compute it too. */
    public static int partitionFor(String groupId, int partitions) {
        return Math.floorMod(groupId.hashCode(), partitions);
    }

    private void createOffsetsTopic(MetadataImage current) {
        // As many replicas as configured, or as brokers ever registered if fewer (a small
        // cluster); but never fewer because a registered broker is down right now: wait for it,
        // rather than leave the group state under-replicated for good.
        int rf = Math.min(settings.offsetsTopicReplication(), Math.max(1, current.brokers().size()));
        if (current.liveBrokers().size() < rf) {
            log.info("Waiting for {} live brokers before creating {} (live: {})", rf, GroupSettings.OFFSETS_TOPIC,
                current.liveBrokers().size());
            return;
        }
        if (!creating.compareAndSet(false, true)) {
            return;
        }
        // Compacted: replay reads the newest record per key. Segments as Kafka's
        // offsets.topic.segment.bytes, so sealed segments (the ones compaction rewrites) come soon.
        Map<String, String> configs = Map.of("cleanup.policy", "compact", "segment.bytes", Integer.toString(settings.offsetsTopicSegmentBytes()),
            "min.insync.replicas", Integer.toString(rf >= 3 ? 2 : 1));
        log.info("Creating {} with {} partitions, replication factor {}", GroupSettings.OFFSETS_TOPIC,
            settings.offsetsTopicPartitions(), rf);
        creator.create(GroupSettings.OFFSETS_TOPIC, settings.offsetsTopicPartitions(), rf, configs)
            .whenComplete((ok, error) -> {
                if (error != null) {
                    log.warn("Creating {} failed: {}", GroupSettings.OFFSETS_TOPIC, error.getMessage());
                }
                creating.set(false);
            });
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
            appended = replicaManager.appendRecords(-1, 10_000, Map.of(shard.partition, GroupRecords.batch(entries, clock.millis())));
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

    /** Joins, heartbeats or leaves; see group.proto for the protocol and its errors. */
    public CompletableFuture<ConsumerGroupHeartbeatResponse> heartbeat(ConsumerGroupHeartbeatRequest request) {
        Lookup lookup = shardFor(request.getGroupId());
        if (lookup.shard() == null) {
            return CompletableFuture.completedFuture(heartbeatError(lookup.error(), lookup.message()));
        }
        CoordinatorShard shard = lookup.shard();
        synchronized (shard) {
            if (shard.closed) {
                return CompletableFuture.completedFuture(heartbeatError(ErrorCode.NOT_COORDINATOR, "coordinator moved"));
            }
            List<GroupRecords.Entry> out = new ArrayList<>();
            ConsumerGroupHeartbeatResponse response;
            try {
                response = heartbeatLocked(shard, request, out);
            } catch (HeartbeatException e) {
                return CompletableFuture.completedFuture(heartbeatError(e.code, e.getMessage()));
            }
            return write(shard, out).thenApply(code -> code == ErrorCode.NONE ? response
                : heartbeatError(code, "the group's state could not be stored; retry"));
        }
    }

    private ConsumerGroupHeartbeatResponse heartbeatLocked(CoordinatorShard shard, ConsumerGroupHeartbeatRequest req,
                                                           List<GroupRecords.Entry> out) {
        String memberId = req.getMemberId();
        if (memberId.isEmpty() || memberId.length() > 128) {
            throw new HeartbeatException(ErrorCode.INVALID_REQUEST, "member id must be 1-128 characters (a UUID the member picks)");
        }
        long now = clock.millis();
        ConsumerGroup group = shard.groups.get(req.getGroupId());
        int epoch = req.getMemberEpoch();
        if (epoch == -1) {
            if (group != null) {
                group.remove(memberId, topics, now, out);
                group.reconcile(out);
            }
            return ConsumerGroupHeartbeatResponse.newBuilder().setMemberId(memberId).setMemberEpoch(-1).build();
        }
        if (epoch < -1) {
            throw new HeartbeatException(ErrorCode.INVALID_REQUEST, "member epoch must be -1 (leave), 0 (join) or the "
                + "current epoch, got " + epoch);
        }
        Pattern pattern = validateSubscription(req, settings.maxRegexLength());
        GroupMember member = group == null ? null : group.members.get(memberId);
        if (epoch == 0) {
            if (group != null && member == null && group.members.size() >= settings.maxSize()) {
                throw new HeartbeatException(ErrorCode.GROUP_MAX_SIZE_REACHED, "group '" + group.id + "' has "
                    + group.members.size() + " members, the limit of " + GroupSettings.MAX_SIZE + " (" + settings.maxSize()
                    + "): member " + memberId + " cannot join");
            }
            int session = req.getSessionTimeoutMs() == 0 ? settings.sessionTimeoutMs() : req.getSessionTimeoutMs();
            if (session < settings.minSessionTimeoutMs() || session > settings.maxSessionTimeoutMs()) {
                throw new HeartbeatException(ErrorCode.INVALID_REQUEST, "session timeout " + session + " ms is outside the "
                    + "broker's range " + settings.minSessionTimeoutMs() + "-" + settings.maxSessionTimeoutMs() + " ms");
            }
            if (group == null) {
                String assignor = req.getAssignor().isEmpty() ? "range" : req.getAssignor();
                group = new ConsumerGroup(req.getGroupId(), assignor, now);
                shard.groups.put(group.id, group);
            }
            member = new GroupMember(memberId);
            member.clientId = req.getClientId();
            member.topics = List.copyOf(req.getSubscribedTopicsList());
            member.regex = req.getSubscribedTopicRegex();
            member.pattern = pattern;
            member.sessionTimeoutMs = session;
            member.deadlineMs = now + session;
            group.join(member, topics, now, out);
        } else {
            if (member == null) {
                throw new HeartbeatException(ErrorCode.UNKNOWN_MEMBER_ID, "member " + memberId + " is not in group '"
                    + req.getGroupId() + "' (it left or its session expired); rejoin with epoch 0");
            }
            if (epoch != member.epoch && epoch != member.previousEpoch) {
                throw new HeartbeatException(ErrorCode.FENCED_MEMBER_EPOCH, "member epoch " + epoch + " is stale (current "
                    + member.epoch + "); rejoin with epoch 0");
            }
            member.deadlineMs = now + member.sessionTimeoutMs;
            if (member.subscriptionDiffers(req.getSubscribedTopicsList(), req.getSubscribedTopicRegex())) {
                group.resubscribe(member, req.getSubscribedTopicsList(), req.getSubscribedTopicRegex(), pattern, topics, out);
            }
            Set<TopicPartition> owned = new TreeSet<>(GroupRecords.ORDER);
            owned.addAll(GroupRecords.fromProto(req.getOwnedPartitionsList()));
            group.owned(member, owned, epoch, out);
        }
        group.reconcile(out);
        group.advanceEpoch(member, out);
        return ConsumerGroupHeartbeatResponse.newBuilder().setMemberId(memberId).setMemberEpoch(member.epoch)
            .setHeartbeatIntervalMs(settings.heartbeatIntervalMs()).addAllAssignment(GroupRecords.toProto(member.assigned)).build();
    }

    private static Pattern validateSubscription(ConsumerGroupHeartbeatRequest req, int maxRegexLength) {
        if (!req.getAssignor().isEmpty()) {
            try {
                Assignor.forName(req.getAssignor());
            } catch (IllegalArgumentException e) {
                throw new HeartbeatException(ErrorCode.UNSUPPORTED_ASSIGNOR, e.getMessage());
            }
        }
        boolean names = req.getSubscribedTopicsCount() > 0;
        boolean regex = !req.getSubscribedTopicRegex().isEmpty();
        if (names == regex) {
            throw new HeartbeatException(ErrorCode.INVALID_REQUEST, names
                ? "subscribe to topic names or a regular expression, not both" : "the subscription is empty");
        }
        for (String t : req.getSubscribedTopicsList()) {
            if (t.isEmpty()) {
                throw new HeartbeatException(ErrorCode.INVALID_REQUEST, "a subscribed topic name is empty");
            }
        }
        if (!regex) {
            return null;
        }
        try {
            return SubscriptionRegex.compile(req.getSubscribedTopicRegex(), maxRegexLength);
        } catch (IllegalArgumentException e) {
            throw new HeartbeatException(ErrorCode.INVALID_REGULAR_EXPRESSION, e.getMessage());
        }
    }

    private static ConsumerGroupHeartbeatResponse heartbeatError(ErrorCode code, String message) {
        return ConsumerGroupHeartbeatResponse.newBuilder().setError(code).setErrorMessage(message).build();
    }

    private static final class HeartbeatException extends RuntimeException {
        final ErrorCode code;

        HeartbeatException(ErrorCode code, String message) {
            super(message, null, false, false);
            this.code = code;
        }
    }

    @Override
    public void close() {
        stopped = true;
        sweeper.cancel(false);
        shards.values().forEach(s -> s.closed = true);
        shards.clear();
    }
}
