package io.runnel.broker.group;

import io.runnel.broker.partition.TopicPartition;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Kafka's range assignment: per topic, the subscribed members in id order each take a contiguous
 * range of partitions; the first {@code partitions % members} members take one extra.
 */
public final class RangeAssignor implements Assignor {
    @Override
    public String name() {
        return "range";
    }

    @Override
    public Map<String, List<TopicPartition>> assign(Map<String, Set<String>> subscriptions, Map<String, Integer> partitions,
                                                    Map<String, List<TopicPartition>> current) {
        Map<String, List<TopicPartition>> out = new TreeMap<>();
        subscriptions.keySet().forEach(m -> out.put(m, new ArrayList<>()));
        for (String topic : new TreeSet<>(partitions.keySet())) {
            List<String> members = subscriptions.entrySet().stream().filter(e -> e.getValue().contains(topic))
                .map(Map.Entry::getKey).sorted().toList();
            if (members.isEmpty()) {
                continue;
            }
            int count = partitions.get(topic);
            int each = count / members.size();
            int extra = count % members.size();
            int next = 0;
            for (int i = 0; i < members.size(); i++) {
                int take = each + (i < extra ? 1 : 0);
                for (int p = next; p < next + take; p++) {
                    out.get(members.get(i)).add(new TopicPartition(topic, p));
                }
                next += take;
            }
        }
        return out;
    }
}
