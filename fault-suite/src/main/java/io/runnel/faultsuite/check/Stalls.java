package io.runnel.faultsuite.check;

import io.runnel.faultsuite.history.Event;
import io.runnel.faultsuite.history.Event.Acked;
import io.runnel.faultsuite.history.Event.Sent;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Produce availability: the longest time without an acknowledgement, and the recovery after healing. */
final class Stalls {
    private Stalls() {
    }

    /**
     * The longest gap between consecutive acknowledgements (of any producer) from the first send to
     * the last send; a stall still open at the last send counts up to it.
     */
    static long longestStallMs(List<Event> events) {
        long firstSend = -1;
        long lastSend = -1;
        for (Event e : events) {
            if (e instanceof Sent s) {
                firstSend = firstSend < 0 ? s.at() : firstSend;
                lastSend = s.at();
            }
        }
        if (firstSend < 0) {
            return 0;
        }
        long previous = firstSend;
        long longest = 0;
        for (Event e : events) {
            if (e instanceof Acked a && a.at() >= firstSend) {
                longest = Math.max(longest, Math.min(a.at(), lastSend) - previous);
                previous = Math.max(previous, a.at());
            }
        }
        return Math.max(longest, lastSend - previous);
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
