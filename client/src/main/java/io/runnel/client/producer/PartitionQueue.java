package io.runnel.client.producer;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * One partition's batches in the producer, oldest first (the last one open for appends), and
 * where its pipeline stands: how many of them are in flight (always the oldest ones, sent in
 * sequence order) and whether it is <em>settling</em>. A failed attempt makes it settle: it
 * sends nothing more until every batch it has in flight is answered, then resends from its
 * oldest unanswered batch, so a retry never overtakes, or is overtaken by, a later batch. While
 * resent batches are in flight no new batch joins them: the batches whose outcome is unknown stay
 * at most {@code max.in.flight} (<= 5), so the leader, which remembers a producer's last 5
 * batches, answers any resent one it wrote as a duplicate, even if calls overtake each other.
 *
 * <p>The window is counted from the oldest unanswered batch, not as the number in flight: gRPC
 * calls are answered in any order (Kafka's connection answers in order), so later batches may be
 * answered, and more sent, while an older one's answer is still out; had that one been written
 * with its answer lost, a sixth batch written behind it would push it out of the leader's memory
 * and its resend would be refused as out of order (seen in ClientEndToEndTest's lost-responses
 * run: "sent sequence 16, expected 22").
 *
 * <p>Thread-safety: not thread-safe; the {@link RecordAccumulator} uses it under its lock.
 */
final class PartitionQueue {
    final Deque<Batch> batches = new ArrayDeque<>();
    private int inFlight;
    private boolean settling;
    /** Sends so far (each attempt counts), numbering them for the window. */
    private long sends;

    int inFlight() {
        return inFlight;
    }

    /**
     * Whether another batch may go out now: not settling with some still in flight (once none is,
     * a settling queue is settled), and the sends from the oldest unanswered batch up to this one
     * at most {@code maxInFlight}.
     */
    boolean canSend(int maxInFlight) {
        if (inFlight == 0) {
            settling = false;
            return true;
        }
        if (settling || inFlight >= maxInFlight) {
            return false;
        }
        for (Batch b : batches) {
            if (b.inFlight) { // the oldest unanswered: answered ones have left the queue or are not in flight
                return sends + 1 - b.sendIndex < maxInFlight;
            }
        }
        return true;
    }

    /**
     * The oldest batch not in flight, or null if there is none, if it is new while resent batches
     * are in flight (it waits for their answers), or while the first batch of a producer epoch
     * (sequence 0) is in flight: a leader that does not know the producer (epoch) yet appends its
     * first batch whatever its sequence, so a later batch that overtook the first (which failed
     * retriably, or came later on the way) would be written ahead of it, and the first then
     * refused as out of order. Seen in a 3-node run: a just-created topic's first batch answered
     * NOT_LEADER while the next ones were written.
     */
    Batch nextUnsent() {
        boolean resentInFlight = false;
        for (Batch b : batches) {
            if (b.inFlight) {
                if (b.stamp != null && b.stamp.baseSequence() == 0) {
                    return null;
                }
                resentInFlight |= b.lastError != null;
            } else {
                return resentInFlight && b.lastError == null ? null : b;
            }
        }
        return null;
    }

    /** {@link #nextUnsent} if it is due at {@code now} ({@code forced}: by a flush or close), else null. */
    Batch nextDue(long now, ProducerConfig config, boolean forced) {
        Batch b = nextUnsent();
        if (b == null || now < b.retryAtMs || b.futures.isEmpty()) {
            return null;
        }
        boolean due = b != batches.peekLast() || b.builder.uncompressedSizeInBytes() >= config.batchSize()
            || now - b.createdMs >= config.lingerMs() || forced;
        return due ? b : null;
    }

    /** When {@link #nextUnsent} is due (linger or retry backoff), or {@link Long#MAX_VALUE}. */
    long dueAtMs(ProducerConfig config) {
        Batch b = nextUnsent();
        return b == null ? Long.MAX_VALUE : Math.max(b.createdMs + config.lingerMs(), b.retryAtMs);
    }

    /** {@code b}, the oldest batch not in flight, goes out. */
    void sent(Batch b) {
        b.inFlight = true;
        b.sendIndex = ++sends;
        b.sentBehindOthers = b != batches.peekFirst();
        inFlight++;
    }

    /** The in-flight batch {@code b} was answered; {@code failed}: the attempt failed, settle first. */
    void answered(Batch b, boolean failed) {
        if (b.inFlight) {
            b.inFlight = false;
            inFlight--;
        }
        settling |= failed;
    }

    /**
     * Whether the open (last) batch may grow past {@code batch.size}: it is the only one not in
     * flight and {@code maxInFlight} are, so it cannot go out before the oldest is answered anyway.
     */
    boolean openBatchWaits(int maxInFlight) {
        return inFlight >= maxInFlight && batches.size() == inFlight + 1;
    }
}
