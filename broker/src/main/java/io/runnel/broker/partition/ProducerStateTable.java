package io.runnel.broker.partition;

import io.runnel.log.ValidatedBatches.ProducerBatch;
import io.runnel.record.RecordBatch;
import io.runnel.record.RecordBatchLayout;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a partition remembers of each idempotent producer: its newest epoch and its last five
 * batches (sequence range and offsets). A retried batch that matches one of them is a duplicate,
 * answered with its original offset instead of being written again; a batch whose first sequence
 * does not follow the last one is a gap (OUT_OF_ORDER_SEQUENCE); an older epoch is a fenced
 * zombie (INVALID_PRODUCER_EPOCH). The table is rebuilt from the log's batch headers when a replica
 * opens or truncates, and followers keep it current from what they replicate, so it survives
 * leader failover and restarts.
 *
 * <p>At most {@code maxProducers} producers are remembered ({@code max.producers.per.partition}):
 * past it the one that appended longest ago is forgotten, so a flood of producer ids cannot grow
 * the table without bound while a producer that keeps appending keeps its duplicate detection. A
 * forgotten producer's next batch is taken as a new producer's (appended, not checked for a
 * duplicate or gap), as after retention removed its history. Replicas forget the same producers:
 * they replay the same batches in the same order.
 *
 * <p>A producer that has not appended for {@code expirationMs} ({@code producer.id.expiration.ms},
 * Kafka's name and default of one day) is forgotten the same way. Its idle time counts from when
 * this table last saw one of its batches (appended, replicated, or replayed from the log when the
 * replica opened), on the caller's clock: unlike Kafka, which counts from the batch's timestamp,
 * a producer's skewed clock cannot expire it early; after a restart idle time starts afresh.
 *
 * <p>Thread-safety: not thread-safe; the partition calls it under its leader/ISR lock plus its own
 * monitor.
 */
final class ProducerStateTable {
    /** Batches remembered per producer, as in Kafka. */
    static final int BATCHES_KEPT = 5;

    /** One remembered batch. */
    record BatchEntry(int firstSequence, int lastSequence, long firstOffset, long lastOffset) {
    }

    private static final class ProducerEntry {
        short epoch;
        /** When this table last saw a batch of the producer (clock millis). */
        long lastSeenMs;
        final Deque<BatchEntry> batches = new ArrayDeque<>();
    }

    /** The verdict on an incoming batch. */
    sealed interface Check permits Append, Duplicate {
    }

    /** Not seen before and in order: append it. */
    record Append() implements Check {
    }

    /** Already written at these offsets. */
    record Duplicate(long firstOffset, long lastOffset) implements Check {
    }

    /** In the order producers last appended, the longest idle first. */
    private final LinkedHashMap<Long, ProducerEntry> producers = new LinkedHashMap<>();
    private final int maxProducers;
    private final long expirationMs;
    private final Clock clock;

    /**
     * @param maxProducers producers remembered at most ({@code max.producers.per.partition})
     * @param expirationMs a producer idle this long is forgotten ({@code producer.id.expiration.ms})
     */
    ProducerStateTable(int maxProducers, long expirationMs, Clock clock) {
        if (maxProducers < 1) {
            throw new IllegalArgumentException("max producers per partition must be >= 1, got " + maxProducers);
        }
        if (expirationMs < 1) {
            throw new IllegalArgumentException("producer id expiration must be >= 1 ms, got " + expirationMs);
        }
        this.maxProducers = maxProducers;
        this.expirationMs = expirationMs;
        this.clock = clock;
    }

    /**
     * Judges an idempotent producer's batch, already validated (CRC and producer fields) by
     * {@link io.runnel.log.ValidatedBatches#check}: only an intact batch may be called a duplicate.
     *
     * @throws PartitionException.OutOfOrderSequenceException  for a gap
     * @throws PartitionException.InvalidProducerEpochException for an epoch older than the newest
     */
    Check check(ProducerBatch batch) {
        expireIdle(clock.millis());
        long pid = batch.producerId();
        ProducerEntry entry = producers.get(pid);
        short epoch = batch.producerEpoch();
        int first = batch.firstSequence();
        if (entry == null) {
            return new Append(); // unknown producer (new, idle past expiration, or its history was removed by retention)
        }
        if (epoch < entry.epoch) {
            throw new PartitionException.InvalidProducerEpochException("producer " + pid + " epoch " + epoch
                + " is older than " + entry.epoch);
        }
        if (epoch > entry.epoch) {
            if (first != 0) {
                throw new PartitionException.OutOfOrderSequenceException("producer " + pid + " starts epoch " + epoch
                    + " at sequence " + first + ", not 0");
            }
            return new Append();
        }
        for (BatchEntry b : entry.batches) {
            if (b.firstSequence() == first && b.lastSequence() == batch.lastSequence()) {
                return new Duplicate(b.firstOffset(), b.lastOffset());
            }
        }
        BatchEntry last = entry.batches.peekLast();
        int expected = last == null ? first : (last.lastSequence() == Integer.MAX_VALUE ? 0 : last.lastSequence() + 1);
        if (first != expected) {
            throw new PartitionException.OutOfOrderSequenceException("producer " + pid + " sent sequence " + first
                + ", expected " + expected);
        }
        return new Append();
    }

    /** Records a batch now in the log (appended here or replicated from the leader). */
    void update(RecordBatch batch) {
        long pid = batch.producerId();
        if (pid == RecordBatchLayout.NO_PRODUCER_ID) {
            return;
        }
        long now = clock.millis();
        expireIdle(now);
        ProducerEntry entry = producers.remove(pid);
        if (entry == null) {
            entry = new ProducerEntry();
        }
        entry.lastSeenMs = now;
        producers.put(pid, entry); // now the most recent
        if (producers.size() > maxProducers) {
            Iterator<Long> idlest = producers.keySet().iterator();
            idlest.next();
            idlest.remove();
        }
        if (batch.producerEpoch() > entry.epoch) {
            entry.epoch = batch.producerEpoch();
            entry.batches.clear();
        }
        entry.batches.addLast(new BatchEntry(batch.baseSequence(), batch.lastSequence(), batch.baseOffset(), batch.lastOffset()));
        while (entry.batches.size() > BATCHES_KEPT) {
            entry.batches.removeFirst();
        }
    }

    /**
     * Forgets producers idle for {@code expirationMs}. The map is in the order batches were seen, so
     * the idlest come first and the walk stops at the first one still alive.
     */
    private void expireIdle(long now) {
        Iterator<ProducerEntry> oldest = producers.values().iterator();
        while (oldest.hasNext() && now - oldest.next().lastSeenMs >= expirationMs) {
            oldest.remove();
        }
    }

    void clear() {
        producers.clear();
    }

    int producerCount() {
        return producers.size();
    }
}
