package io.runnel.broker.group;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runnel.broker.partition.TopicPartition;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class AssignorTest {
    private static List<TopicPartition> tps(String topic, int... partitions) {
        List<TopicPartition> out = new ArrayList<>();
        for (int p : partitions) {
            out.add(new TopicPartition(topic, p));
        }
        return out;
    }

    private static final Map<String, Set<String>> THREE = Map.of("c1", Set.of("t"), "c2", Set.of("t"), "c3", Set.of("t"));

    @Test
    void range_threeConsumers_twelvePartitions() {
        var a = new RangeAssignor().assign(THREE, Map.of("t", 12), Map.of());
        assertEquals(tps("t", 0, 1, 2, 3), a.get("c1"));
        assertEquals(tps("t", 4, 5, 6, 7), a.get("c2"));
        assertEquals(tps("t", 8, 9, 10, 11), a.get("c3"));
        var uneven = new RangeAssignor().assign(THREE, Map.of("t", 8), Map.of());
        assertEquals(tps("t", 0, 1, 2), uneven.get("c1"));
        assertEquals(tps("t", 3, 4, 5), uneven.get("c2"));
        assertEquals(tps("t", 6, 7), uneven.get("c3"));
    }

    @Test
    void roundRobin_threeConsumers_twelvePartitions() {
        var a = new RoundRobinAssignor().assign(THREE, Map.of("t", 12), Map.of());
        assertEquals(tps("t", 0, 3, 6, 9), a.get("c1"));
        assertEquals(tps("t", 1, 4, 7, 10), a.get("c2"));
        assertEquals(tps("t", 2, 5, 8, 11), a.get("c3"));
    }

    @Test
    void sticky_balances_thenMovesOnlyWhatItMust() {
        var first = new StickyAssignor().assign(THREE, Map.of("t", 12), Map.of());
        first.values().forEach(l -> assertEquals(4, l.size()));
        // c3 leaves: only its four partitions move, two to each of the others.
        var twoLeft = new StickyAssignor().assign(Map.of("c1", Set.of("t"), "c2", Set.of("t")), Map.of("t", 12), first);
        assertTrue(twoLeft.get("c1").containsAll(first.get("c1")));
        assertTrue(twoLeft.get("c2").containsAll(first.get("c2")));
        assertEquals(6, twoLeft.get("c1").size());
        assertEquals(6, twoLeft.get("c2").size());
        // c4 joins: it takes three, everyone else keeps the rest of what they had.
        Map<String, Set<String>> withNew = Map.of("c1", Set.of("t"), "c2", Set.of("t"), "c4", Set.of("t"));
        var rejoined = new StickyAssignor().assign(withNew, Map.of("t", 12), twoLeft);
        int moved = 0;
        for (String m : List.of("c1", "c2")) {
            for (TopicPartition tp : twoLeft.get(m)) {
                if (!rejoined.get(m).contains(tp)) {
                    moved++;
                }
            }
        }
        assertEquals(4, moved, "exactly the four c4 needs");
        rejoined.values().forEach(l -> assertEquals(4, l.size()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"range", "roundrobin", "sticky"})
    void everyPartitionToExactlyOneSubscribedMember_randomized(String name) {
        Assignor assignor = Assignor.forName(name);
        Random random = new Random(name.hashCode());
        Map<String, List<TopicPartition>> current = Map.of();
        for (int round = 0; round < 200; round++) {
            Map<String, Integer> partitions = new HashMap<>();
            for (int t = 0; t < 1 + random.nextInt(4); t++) {
                partitions.put("t" + t, 1 + random.nextInt(10));
            }
            Map<String, Set<String>> subs = new HashMap<>();
            for (int m = 0; m < 1 + random.nextInt(5); m++) {
                Set<String> topics = new HashSet<>();
                for (String t : partitions.keySet()) {
                    if (random.nextInt(3) > 0) {
                        topics.add(t);
                    }
                }
                subs.put("m" + m, topics);
            }
            Map<String, List<TopicPartition>> a = assignor.assign(subs, partitions, current);
            assertEquals(subs.keySet(), a.keySet());
            Set<TopicPartition> seen = new HashSet<>();
            a.forEach((m, list) -> list.forEach(tp -> {
                assertTrue(seen.add(tp), tp + " assigned twice");
                assertTrue(subs.get(m).contains(tp.topic()), m + " does not subscribe to " + tp.topic());
            }));
            for (Map.Entry<String, Integer> t : partitions.entrySet()) {
                boolean subscribed = subs.values().stream().anyMatch(s -> s.contains(t.getKey()));
                for (int p = 0; p < t.getValue(); p++) {
                    assertEquals(subscribed, seen.contains(new TopicPartition(t.getKey(), p)));
                }
            }
            current = a;
        }
    }

    @Test
    void unknownAssignor_isNamed() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Assignor.forName("cooperative"))
            .getMessage().contains("range, roundrobin or sticky"));
    }
}
