package io.runnel.broker.group;

import io.runnel.metadata.image.BrokerInfo;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.metadata.image.PartitionInfo;
import io.runnel.metadata.image.TopicInfo;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.FindCoordinatorResponse;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * FindCoordinator: which broker coordinates a group (the leader of its {@code __consumer_offsets}
 * partition), creating that topic through the active controller on first use.
 *
 * <p>Thread-safety: safe from any thread; one creation is asked for at a time.
 */
final class CoordinatorFinder {
    private static final Logger log = LoggerFactory.getLogger(CoordinatorFinder.class);

    private final GroupSettings settings;
    private final GroupCoordinator.OffsetsTopicCreator creator;
    private final AtomicBoolean creating = new AtomicBoolean();

    CoordinatorFinder(GroupSettings settings, GroupCoordinator.OffsetsTopicCreator creator) {
        this.settings = settings;
        this.creator = creator;
    }

    /** The broker leading the group's offsets partition in {@code current}; creates the offsets topic on first use. */
    FindCoordinatorResponse find(String groupId, MetadataImage current) {
        String bad = GroupCoordinator.validateGroupId(groupId);
        if (bad != null) {
            return FindCoordinatorResponse.newBuilder().setError(ErrorCode.INVALID_GROUP_ID).setErrorMessage(bad).build();
        }
        TopicInfo offsetsTopic = current.topics().get(GroupSettings.OFFSETS_TOPIC);
        if (offsetsTopic == null) {
            createOffsetsTopic(current);
            return FindCoordinatorResponse.newBuilder().setError(ErrorCode.COORDINATOR_NOT_AVAILABLE)
                .setErrorMessage(GroupSettings.OFFSETS_TOPIC + " is being created").build();
        }
        int partition = GroupCoordinator.partitionFor(groupId, offsetsTopic.partitions().size());
        PartitionInfo p = offsetsTopic.partitions().get(partition);
        BrokerInfo leader = p == null ? null : current.brokers().get(p.leader());
        if (leader == null || leader.fenced()) {
            return FindCoordinatorResponse.newBuilder().setError(ErrorCode.COORDINATOR_NOT_AVAILABLE)
                .setErrorMessage(GroupSettings.OFFSETS_TOPIC + "-" + partition + " has no live leader").build();
        }
        return FindCoordinatorResponse.newBuilder().setCoordinator(io.runnel.proto.v1.BrokerInfo.newBuilder().setId(leader.id())
            .setHost(leader.host()).setPort(leader.port()).setRack(leader.rack() == null ? "" : leader.rack())).build();
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
}
