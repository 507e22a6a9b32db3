package io.runnel.client.producer;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

/**
 * Records sent to a topic (or partition) the producer's metadata does not know yet: a topic just
 * created, or a broker answering before it caught up with the metadata log. UNKNOWN_TOPIC_OR_PARTITION
 * is retriable, so they wait here, in send order, while the sender refreshes metadata with a
 * backoff, until their delivery timeout (issue 12: they used to fail at once). Their
 * {@code buffer.memory} permits are already held.
 *
 * <p>Thread-safety: not thread-safe; the producer calls it under its lock.
 */
final class AwaitingMetadata {
    /** One record waiting, with its future, the buffer permits it holds and when it gives up. */
    record Waiting(ProducerRecord record, CompletableFuture<RecordMetadata> future, int permits, long deadlineMs) {
    }

    private final Deque<Waiting> waiting = new ArrayDeque<>();

    void add(Waiting w) {
        waiting.addLast(w);
    }

    boolean isEmpty() {
        return waiting.isEmpty();
    }

    /** The topics records wait for. */
    List<String> topics() {
        return waiting.stream().map(w -> w.record().topic()).distinct().toList();
    }

    /** Whether a record of {@code topic} waits: later ones must queue behind it to keep send order. */
    boolean holds(String topic) {
        for (Waiting w : waiting) { // called on every send: no stream pipeline per record
            if (w.record().topic().equals(topic)) {
                return true;
            }
        }
        return false;
    }

    List<CompletableFuture<RecordMetadata>> futures() {
        return waiting.stream().map(Waiting::future).toList();
    }

    /**
     * Removes and returns, in send order, the records {@code known} accepts, stopping per topic at
     * the first it does not, so a topic's records leave in the order they came.
     */
    List<Waiting> takeKnown(Predicate<ProducerRecord> known) {
        List<Waiting> out = new ArrayList<>();
        List<String> blocked = new ArrayList<>();
        for (Iterator<Waiting> it = waiting.iterator(); it.hasNext(); ) {
            Waiting w = it.next();
            if (!blocked.contains(w.record().topic()) && known.test(w.record())) {
                out.add(w);
                it.remove();
            } else {
                blocked.add(w.record().topic());
            }
        }
        return out;
    }

    /** Removes and returns the records whose delivery timeout has passed at {@code nowMs}. */
    /** Takes every waiting record, in order. */
    List<Waiting> takeAll() {
        List<Waiting> all = List.copyOf(waiting);
        waiting.clear();
        return all;
    }

    List<Waiting> takeExpired(long nowMs) {
        List<Waiting> out = new ArrayList<>();
        for (Iterator<Waiting> it = waiting.iterator(); it.hasNext(); ) {
            Waiting w = it.next();
            if (nowMs >= w.deadlineMs()) {
                out.add(w);
                it.remove();
            }
        }
        return out;
    }
}
