package io.runnel.metadata.image;

import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/** A topic: its random id, config overrides, and partitions by number. */
public record TopicInfo(String name, String topicId, Map<String, String> configs, SortedMap<Integer, PartitionInfo> partitions) {
    public TopicInfo {
        configs = Map.copyOf(configs);
        partitions = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(partitions));
    }

    TopicInfo withPartition(PartitionInfo p) {
        TreeMap<Integer, PartitionInfo> next = new TreeMap<>(partitions);
        next.put(p.partition(), p);
        return new TopicInfo(name, topicId, configs, next);
    }

    TopicInfo withConfigs(Map<String, String> value) {
        return new TopicInfo(name, topicId, value, partitions);
    }
}
