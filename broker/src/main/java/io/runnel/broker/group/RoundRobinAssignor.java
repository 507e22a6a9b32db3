package io.runnel.broker.group;

import io.runnel.broker.partition.TopicPartition;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Kafka's round-robin assignment: every partition of every subscribed topic, in (topic, partition)
 * order, goes to the next member in id order that subscribes to its topic.
 */
public final class RoundRobinAssignor implements Assignor {
    @Override
    public String name() {
        return "roundrobin";
    }

    @Override
    public Map<String, List<TopicPartition>> assign(Map<String, Set<String>> subscriptions, Map<String, Integer> partitions,
                                                    Map<String, List<TopicPartition>> current) {
        Map<String, List<TopicPartition>> out = new TreeMap<>();
        subscriptions.keySet().forEach(m -> out.put(m, new ArrayList<>()));
        List<String> members = new ArrayList<>(new TreeSet<>(subscriptions.keySet()));
        if (members.isEmpty()) {
            return out;
        }
        int cursor = 0;
        for (String topic : new TreeSet<>(partitions.keySet())) {
            for (int p = 0; p < partitions.get(topic); p++) {
                for (int tries = 0; tries < members.size(); tries++) {
                    String member = members.get(cursor++ % members.size());
                    if (subscriptions.get(member).contains(topic)) {
                        out.get(member).add(new TopicPartition(topic, p));
                        break;
                    }
                }
            }
        }
        return out;
    }
}
