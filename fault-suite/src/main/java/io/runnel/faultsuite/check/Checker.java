package io.runnel.faultsuite.check;

import io.runnel.faultsuite.history.Event;
import io.runnel.faultsuite.history.Event.Acked;
import io.runnel.faultsuite.history.Event.FinalRead;
import io.runnel.faultsuite.history.Event.Polled;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Checks one run's history. The final read of reader 0 is the log of record; reader 1, the acks
 * and every consumer poll must agree with it at every offset they name. A pure function of the
 * events: it can be run again on a history read back from its JSON lines.
 */
public final class Checker {
    private static final int MAX_EXAMPLES = 10;

    private final List<Event> events;
    private final long healedAt;
    private final List<String> examples = new ArrayList<>();
    /** partition -> offset -> value, from reader 0. */
    private final Map<Integer, TreeMap<Long, String>> log = new HashMap<>();
    private final Map<String, Integer> copies = new HashMap<>();

    /** @param healedAt when every fault was healed (run milliseconds) */
    public Checker(List<Event> events, long healedAt) {
        this.events = List.copyOf(events);
        this.healedAt = healedAt;
        for (Event e : events) {
            if (e instanceof FinalRead r && r.reader() == 0) {
                log.computeIfAbsent(r.partition(), p -> new TreeMap<>()).put(r.offset(), r.value());
                copies.merge(r.value(), 1, Integer::sum);
            }
        }
    }

    public CheckResult check() {
        long acked = 0;
        long lost = 0;
        long inconsistent = 0;
        for (Event e : events) {
            if (e instanceof Acked a) {
                acked++;
                String value = "p" + a.producer() + "-" + a.seq();
                String found = at(a.partition(), a.offset());
                if (!copies.containsKey(value)) {
                    lost++;
                    example("lost: " + value + " acked at " + a.partition() + "@" + a.offset() + " (t=" + a.at() + " ms) is not in the log");
                } else if (!value.equals(found)) {
                    inconsistent++;
                    example("ack of " + value + " named " + a.partition() + "@" + a.offset() + ", which holds " + found);
                }
            } else if (e instanceof FinalRead r && r.reader() != 0 && !Objects.equals(at(r.partition(), r.offset()), r.value())) {
                inconsistent++;
                example("readers disagree at " + r.partition() + "@" + r.offset() + ": " + at(r.partition(), r.offset()) + " vs " + r.value());
            } else if (e instanceof Polled p && at(p.partition(), p.offset()) != null && !at(p.partition(), p.offset()).equals(p.value())) {
                inconsistent++;
                example("consumer " + p.consumer() + " polled " + p.value() + " at " + p.partition() + "@" + p.offset() + ", the log holds "
                    + at(p.partition(), p.offset()));
            }
        }
        long duplicates = 0;
        for (Map.Entry<String, Integer> c : copies.entrySet()) {
            if (c.getValue() > 1) {
                duplicates += c.getValue() - 1;
                example("duplicate: " + c.getKey() + " is in the log " + c.getValue() + " times");
            }
        }
        ConsumerCheck consumers = ConsumerCheck.of(events, log);
        consumers.examples().forEach(this::example);
        long unreceived = unreceived(consumers.seen());
        return new CheckResult(acked, lost, duplicates, orderViolations(), inconsistent, consumers.skipped(), consumers.backwards(),
            unreceived, Stalls.longestStallMs(events), Stalls.recoveryMs(events, healedAt), examples);
    }

    private String at(int partition, long offset) {
        TreeMap<Long, String> p = log.get(partition);
        return p == null ? null : p.get(offset);
    }

    /** Per producer and partition, the sequence numbers in log order must rise. */
    private long orderViolations() {
        long violations = 0;
        for (Map.Entry<Integer, TreeMap<Long, String>> p : log.entrySet()) {
            Map<Integer, Long> lastSeq = new HashMap<>();
            for (Map.Entry<Long, String> r : p.getValue().entrySet()) {
                int dash = r.getValue().indexOf('-');
                int producer = Integer.parseInt(r.getValue().substring(1, dash));
                long seq = Long.parseLong(r.getValue().substring(dash + 1));
                Long last = lastSeq.put(producer, seq);
                if (last != null && seq <= last) {
                    violations++;
                    example("order: " + r.getValue() + " at " + p.getKey() + "@" + r.getKey() + " after seq " + last);
                }
            }
        }
        return violations;
    }

    /** Acknowledged records that are in the log but no member polled. */
    private long unreceived(Set<String> seen) {
        Set<String> missing = new HashSet<>();
        for (Event e : events) {
            if (e instanceof Acked a) {
                String value = "p" + a.producer() + "-" + a.seq();
                if (copies.containsKey(value) && !seen.contains(value) && missing.add(value) && missing.size() <= 3) {
                    example("unreceived: " + value + " at " + a.partition() + "@" + a.offset() + " was polled by no member");
                }
            }
        }
        return missing.size();
    }

    private void example(String text) {
        if (examples.size() < MAX_EXAMPLES) {
            examples.add(text);
        }
    }
}
