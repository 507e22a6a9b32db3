package io.runnel.broker.group;

import io.runnel.broker.partition.TopicPartition;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Balanced like round-robin, but moving as few partitions as possible: members keep what they own
 * (while they still subscribe to it and it still exists), unowned partitions go to the least
 * loaded eligible members, then partitions move one at a time from the most to the least loaded
 * eligible member until no move can bring two members' counts closer.
 */
public final class StickyAssignor implements Assignor {
    @Override
    public String name() {
        return "sticky";
    }

    @Override
    public Map<String, List<TopicPartition>> assign(Map<String, Set<String>> subscriptions, Map<String, Integer> partitions,
                                                    Map<String, List<TopicPartition>> current) {
        Map<String, List<TopicPartition>> out = new TreeMap<>();
        subscriptions.keySet().forEach(m -> out.put(m, new ArrayList<>()));
        Set<TopicPartition> taken = new HashSet<>();
        for (Map.Entry<String, List<TopicPartition>> e : new TreeMap<>(current).entrySet()) {
            String member = e.getKey();
            if (!subscriptions.containsKey(member)) {
                continue; // left the group
            }
            for (TopicPartition tp : e.getValue()) {
                Integer count = partitions.get(tp.topic());
                if (count != null && tp.partition() < count && subscriptions.get(member).contains(tp.topic()) && taken.add(tp)) {
                    out.get(member).add(tp);
                }
            }
        }
        List<TopicPartition> all = new ArrayList<>();
        for (String topic : new TreeSet<>(partitions.keySet())) {
            for (int p = 0; p < partitions.get(topic); p++) {
                all.add(new TopicPartition(topic, p));
            }
        }
        Comparator<String> byLoad = Comparator.<String>comparingInt(m -> out.get(m).size()).thenComparing(m -> m);
        for (TopicPartition tp : all) {
            if (taken.contains(tp)) {
                continue;
            }
            subscriptions.keySet().stream().filter(m -> subscriptions.get(m).contains(tp.topic())).min(byLoad)
                .ifPresent(m -> {
                    out.get(m).add(tp);
                    taken.add(tp);
                });
        }
        // Rebalance: move a partition from the most loaded member to a less loaded one that may own it.
        boolean moved = true;
        while (moved) {
            moved = false;
            List<String> byDescending = new ArrayList<>(out.keySet());
            byDescending.sort(byLoad.reversed());
            outer:
            for (String heavy : byDescending) {
                List<TopicPartition> owned = new ArrayList<>(out.get(heavy));
                owned.sort(Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition).reversed());
                for (TopicPartition tp : owned) {
                    String light = out.keySet().stream().filter(m -> subscriptions.get(m).contains(tp.topic()))
                        .min(byLoad).orElse(heavy);
                    if (out.get(heavy).size() - out.get(light).size() > 1) {
                        out.get(heavy).remove(tp);
                        out.get(light).add(tp);
                        moved = true;
                        break outer;
                    }
                }
            }
        }
        Map<String, List<TopicPartition>> sorted = new HashMap<>();
        out.forEach((m, list) -> {
            list.sort(Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition));
            sorted.put(m, list);
        });
        return new TreeMap<>(sorted);
    }
}
