package io.runnel.broker.stream;

import io.runnel.broker.partition.TopicPartition;
import io.runnel.proto.v1.Record;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * A partition assigned to a Subscribe stream: where fetching goes on, the records fetched but not
 * yet delivered (at most one fetch's worth), the offsets delivered but not acknowledged, and what
 * was acknowledged and committed. A new object per assignment, so answers for an older assignment
 * of the same partition are recognized and dropped.
 *
 * <p>Not thread-safe: its session's lock guards it.
 */
final class AssignedPartition {
    final TopicPartition tp;
    /** Next offset to fetch; -1 until located (committed offset, or start_from). */
    long position = -1;
    /** Last acknowledged offset; -1 if none on this stream. */
    long acked = -1;
    /** What the group has committed (next record to process), -1 if nothing. */
    long committed = -1;
    boolean fetching;
    final Deque<Record> buffer = new ArrayDeque<>();
    final Deque<Long> delivered = new ArrayDeque<>();

    AssignedPartition(TopicPartition tp) {
        this.tp = tp;
    }

    /** The offset to commit for what was acknowledged, or -1 if nothing new. */
    long toCommit() {
        return acked >= 0 && acked + 1 > committed ? acked + 1 : -1;
    }

    /**
     * The client acknowledged everything up to {@code offset}: those delivered records are done.
     *
     * @return how many delivered records this acknowledged (0 for an ack of nothing delivered)
     */
    int acknowledge(long offset) {
        int count = 0;
        while (!delivered.isEmpty() && delivered.peek() <= offset) {
            acked = delivered.poll();
            count++;
        }
        return count;
    }

    /** Buffers fetched records at or after the position, moving it past them. */
    void fetched(Iterable<Record> records) {
        for (Record r : records) {
            if (r.getOffset() >= position) {
                buffer.add(r);
                position = r.getOffset() + 1;
            }
        }
    }
}
