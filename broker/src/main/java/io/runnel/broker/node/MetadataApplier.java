package io.runnel.broker.node;

import io.runnel.broker.metadata.ControllerClient;
import io.runnel.broker.partition.PartitionState;
import io.runnel.broker.partition.TopicPartition;
import io.runnel.broker.replica.PartitionConfig;
import io.runnel.broker.replica.ReassignmentThrottle;
import io.runnel.broker.replica.ReplicaManager;
import io.runnel.log.LogConfig;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.metadata.image.PartitionInfo;
import io.runnel.metadata.image.TopicInfo;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * Turns each new metadata image into this broker's partition roles: opens and leads or follows
 * the partitions it is a replica of, with their topic's settings over the node's defaults, and
 * drops (and deletes) replicas of topics that are gone or moved elsewhere.
 *
 * <p>Partitions are keyed by topic id as well as name: a topic deleted and re-created under the
 * same name (both in one image, as a broker that was behind sees them) has its old replica deleted
 * and a new, empty log opened, never the old one kept. Once the applied image has reached this
 * broker's registration (so it holds every topic and deletion before it came back), partition
 * directories it does not host are deleted, once per start.
 *
 * <p>Thread-safety: {@link #apply} is synchronized; images arrive in order on one stream.
 */
final class MetadataApplier {
    private final int brokerId;
    private final ReplicaManager replicaManager;
    private final Map<String, String> nodeDefaults;
    /** The partitions hosted, and the id of the topic each belongs to. */
    private final Map<TopicPartition, String> hosted = new HashMap<>();
    private final LongSupplier registrationEpoch;
    private boolean orphansRemoved;

    /** For tests: no orphan-directory clean-up. */
    MetadataApplier(int brokerId, ReplicaManager replicaManager, Map<String, String> nodeDefaults) {
        this(brokerId, replicaManager, nodeDefaults, () -> -1);
    }

    /**
     * @param registrationEpoch this broker's registration (its broker epoch, a metadata offset), or
     *                          -1 before it registered; orphan directories are removed once the
     *                          applied image reaches it
     */
    MetadataApplier(int brokerId, ReplicaManager replicaManager, Map<String, String> nodeDefaults,
                    LongSupplier registrationEpoch) {
        this.brokerId = brokerId;
        this.replicaManager = replicaManager;
        this.nodeDefaults = nodeDefaults;
        this.registrationEpoch = registrationEpoch;
    }

    synchronized void apply(MetadataImage image) {
        Map<TopicPartition, PartitionState> mine = new HashMap<>();
        Map<TopicPartition, PartitionConfig> configs = new HashMap<>();
        Map<TopicPartition, String> topicIds = new HashMap<>();
        Map<String, Map<Integer, PartitionState>> all = ControllerClient.partitionStates(image);
        for (TopicInfo topic : image.topics().values()) {
            PartitionConfig config = configFor(topic);
            all.get(topic.name()).forEach((partition, state) -> {
                if (state.replicas().contains(brokerId)) {
                    TopicPartition tp = new TopicPartition(topic.name(), partition);
                    mine.put(tp, state);
                    configs.put(tp, config);
                    topicIds.put(tp, topic.topicId());
                }
            });
        }
        for (TopicPartition tp : Set.copyOf(hosted.keySet())) {
            // Gone, or deleted and re-created under the same name: the old replica's log goes.
            if (!mine.containsKey(tp) || !hosted.get(tp).equals(topicIds.get(tp))) {
                replicaManager.removePartition(tp, true);
                hosted.remove(tp);
            }
        }
        // The move's throttle first: once the partition states are applied the leader serves the
        // added replica, whose first fetch must already count against it (PartitionReassignmentTest
        // saw an unthrottled catch-up when a fetch came between the two).
        replicaManager.reassignmentThrottle().apply(throttles(image, mine.keySet()));
        replicaManager.applyPartitionStates(mine, configs, topicIds);
        hosted.putAll(topicIds);
        long registered = registrationEpoch.getAsLong();
        if (!orphansRemoved && registered >= 0 && image.offset() >= registered) {
            orphansRemoved = true;
            replicaManager.removeOrphanDirectories(mine.keySet());
        }
    }

    /** The throttles of the moves under way among {@code hosted} (a move's throttle ends with it). */
    private static Map<TopicPartition, ReassignmentThrottle.Setting> throttles(MetadataImage image, Set<TopicPartition> hosted) {
        Map<TopicPartition, ReassignmentThrottle.Setting> throttles = new HashMap<>();
        for (TopicInfo topic : image.topics().values()) {
            for (PartitionInfo p : topic.partitions().values()) {
                TopicPartition tp = new TopicPartition(topic.name(), p.partition());
                if (p.reassigning() && p.throttleBytesPerSec() > 0 && hosted.contains(tp)) {
                    throttles.put(tp, new ReassignmentThrottle.Setting(p.throttleBytesPerSec(), Set.copyOf(p.addingReplicas())));
                }
            }
        }
        return throttles;
    }

    /** Topic overrides over node defaults; keys that are not log settings are read here. */
    PartitionConfig configFor(TopicInfo topic) {
        Map<String, String> merged = new HashMap<>(nodeDefaults);
        merged.putAll(topic.configs());
        Map<String, String> logSettings = new HashMap<>();
        merged.forEach((k, v) -> {
            if (LogConfig.KEYS.contains(k)) {
                logSettings.put(k, v);
            }
        });
        return new PartitionConfig(LogConfig.defaults().with(logSettings),
            Integer.parseInt(merged.getOrDefault("min.insync.replicas", "1")),
            PartitionConfig.maxMessageBytes(topic.configs(), nodeDefaults),
            // The topic's own setting only: it is what the controller elects by (BrokerDecisions).
            "true".equals(topic.configs().get(PartitionConfig.UNCLEAN_LEADER_ELECTION)));
    }
}
