package io.runnel.faultsuite.check;

import io.runnel.faultsuite.history.Event;
import io.runnel.faultsuite.history.Event.Acked;
import io.runnel.faultsuite.history.Event.Sent;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Produce availability: the longest time a partition went without acknowledgements, and the recovery after healing. */
final class Stalls {
    private Stalls() {
    }

    /**
     * The longest time a partition went without an acknowledgement while records for it were
     * being sent: per partition, the gaps between consecutive acks from its first send to its last
     * send (a stall still open at its last send counts up to it); the largest over partitions.
     * The producers send to every partition several times a second, so a gap is a stall.
     */
    static long longestStallMs(List<Event> events) {
        Map<Integer, Long> firstSend = new HashMap<>();
        Map<Integer, Long> lastSend = new HashMap<>();
        for (Event e : events) {
            if (e instanceof Sent s) {
                firstSend.putIfAbsent(s.partition(), s.at());
                lastSend.put(s.partition(), s.at());
            }
        }
        Map<Integer, Long> previous = new HashMap<>(firstSend);
        long longest = 0;
        for (Event e : events) {
            if (e instanceof Acked a && previous.containsKey(a.partition())) {
                long since = previous.get(a.partition());
                longest = Math.max(longest, Math.min(a.at(), lastSend.get(a.partition())) - since);
                previous.put(a.partition(), Math.max(since, a.at()));
            }
        }
        for (Map.Entry<Integer, Long> p : previous.entrySet()) {
            longest = Math.max(longest, lastSend.get(p.getKey()) - p.getValue());
        }
        return longest;
    }

    /**
     * From {@code healedAt} until the last partition acknowledged its first record sent at or after
     * it; -1 if some partition that was written to after the heal never acknowledged such a record.
     */
    static long recoveryMs(List<Event> events, long healedAt) {
        Map<String, Long> sentAt = new HashMap<>();
        Map<Integer, Long> firstAckAfterHeal = new HashMap<>();
        Map<Integer, Boolean> sentAfterHeal = new HashMap<>();
        for (Event e : events) {
            if (e instanceof Sent s) {
                sentAt.put(s.producer() + "-" + s.seq(), s.at());
                if (s.at() >= healedAt) {
                    sentAfterHeal.put(s.partition(), true);
                }
            } else if (e instanceof Acked a) {
                Long sent = sentAt.get(a.producer() + "-" + a.seq());
                if (sent != null && sent >= healedAt) {
                    firstAckAfterHeal.putIfAbsent(a.partition(), a.at());
                }
            }
        }
        long recovery = 0;
        for (Integer partition : sentAfterHeal.keySet()) {
            Long ack = firstAckAfterHeal.get(partition);
            if (ack == null) {
                return -1;
            }
            recovery = Math.max(recovery, ack - healedAt);
        }
        return recovery;
    }
}
