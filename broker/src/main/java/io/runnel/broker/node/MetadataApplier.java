package io.runnel.broker.node;

import io.runnel.broker.metadata.ControllerClient;
import io.runnel.broker.partition.PartitionState;
import io.runnel.broker.partition.TopicPartition;
import io.runnel.broker.replica.PartitionConfig;
import io.runnel.broker.replica.ReplicaManager;
import io.runnel.log.LogConfig;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.metadata.image.TopicInfo;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Turns each new metadata image into this broker's partition roles: opens and leads or follows
 * the partitions it is a replica of, with their topic's settings over the node's defaults, and
 * drops (and deletes) replicas of topics that are gone or moved elsewhere.
 *
 * <p>Thread-safety: {@link #apply} is synchronized; images arrive in order on one stream.
 */
final class MetadataApplier {
    private final int brokerId;
    private final ReplicaManager replicaManager;
    private final Map<String, String> nodeDefaults;
    private final Set<TopicPartition> hosted = new HashSet<>();

    MetadataApplier(int brokerId, ReplicaManager replicaManager, Map<String, String> nodeDefaults) {
        this.brokerId = brokerId;
        this.replicaManager = replicaManager;
        this.nodeDefaults = nodeDefaults;
    }

    synchronized void apply(MetadataImage image) {
        Map<TopicPartition, PartitionState> mine = new HashMap<>();
        Map<TopicPartition, PartitionConfig> configs = new HashMap<>();
        Map<String, Map<Integer, PartitionState>> all = ControllerClient.partitionStates(image);
        for (TopicInfo topic : image.topics().values()) {
            PartitionConfig config = configFor(topic);
            all.get(topic.name()).forEach((partition, state) -> {
                if (state.replicas().contains(brokerId)) {
                    TopicPartition tp = new TopicPartition(topic.name(), partition);
                    mine.put(tp, state);
                    configs.put(tp, config);
                }
            });
        }
        for (TopicPartition tp : Set.copyOf(hosted)) {
            if (!mine.containsKey(tp)) {
                replicaManager.removePartition(tp, true);
                hosted.remove(tp);
            }
        }
        replicaManager.applyPartitionStates(mine, configs);
        hosted.addAll(mine.keySet());
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
            PartitionConfig.maxMessageBytes(topic.configs(), nodeDefaults));
    }
}
