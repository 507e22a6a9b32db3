package io.runnel.faultsuite.check;

import io.runnel.faultsuite.history.Event;
import io.runnel.faultsuite.history.Event.Assigned;
import io.runnel.faultsuite.history.Event.Polled;
import io.runnel.faultsuite.history.Event.Revoked;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Within one assignment of a partition to a consumer (from its assignment to its revocation or
 * loss) the offsets polled must follow each other: none passed over that the log holds, none
 * going back. A new assignment may start anywhere (from the committed offset).
 *
 * @param skipped   records the log holds between two consecutive polls of one assignment
 * @param backwards polls at or before the previous offset of the same assignment
 * @param seen      every value any consumer polled
 * @param examples  the first violations, described
 */
record ConsumerCheck(long skipped, long backwards, Set<String> seen, List<String> examples) {
    static ConsumerCheck of(List<Event> events, Map<Integer, TreeMap<Long, String>> log) {
        Map<Integer, Map<Integer, Long>> lastPolled = new HashMap<>();
        Set<String> seen = new HashSet<>();
        List<String> examples = new ArrayList<>();
        long skipped = 0;
        long backwards = 0;
        for (Event e : events) {
            if (e instanceof Assigned a) {
                Map<Integer, Long> owned = lastPolled.computeIfAbsent(a.consumer(), c -> new HashMap<>());
                a.partitions().forEach(p -> owned.put(p, -1L));
            } else if (e instanceof Revoked r) {
                Map<Integer, Long> owned = lastPolled.computeIfAbsent(r.consumer(), c -> new HashMap<>());
                r.partitions().forEach(owned::remove);
            } else if (e instanceof Polled p) {
                seen.add(p.value());
                Map<Integer, Long> owned = lastPolled.computeIfAbsent(p.consumer(), c -> new HashMap<>());
                Long last = owned.put(p.partition(), p.offset());
                if (last == null || last < 0) {
                    continue;
                }
                if (p.offset() <= last) {
                    backwards++;
                    note(examples, "consumer " + p.consumer() + " went back on partition " + p.partition() + ": " + last + " then "
                        + p.offset() + " (t=" + p.at() + " ms)");
                } else if (p.offset() > last + 1) {
                    TreeMap<Long, String> partition = log.getOrDefault(p.partition(), new TreeMap<>());
                    int passed = partition.subMap(last, false, p.offset(), false).size();
                    skipped += passed;
                    if (passed > 0) {
                        note(examples, "consumer " + p.consumer() + " skipped " + passed + " records of partition " + p.partition()
                            + " between " + last + " and " + p.offset() + " (t=" + p.at() + " ms)");
                    }
                }
            }
        }
        return new ConsumerCheck(skipped, backwards, Set.copyOf(seen), examples);
    }

    private static void note(List<String> examples, String text) {
        if (examples.size() < 5) {
            examples.add(text);
        }
    }
}
