package io.runnel.client.producer;

import io.runnel.client.common.ClusterMetadata;
import io.runnel.client.common.TopicPartition;
import io.runnel.client.producer.RunnelProducer.ProduceException;
import io.runnel.proto.v1.BrokerInfo;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.MetadataResponse;
import io.runnel.proto.v1.TopicMetadata;
import io.runnel.record.CompressionType;
import io.runnel.record.RecordBatch;
import io.runnel.record.RecordBatchBuilder;
import io.runnel.record.RecordBatchLayout;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The producer's records between {@code send} and their answer: each partition's queue of batches
 * (the last one open for appends), the records waiting for their topic to show in metadata
 * ({@link AwaitingMetadata}), how many batches each partition has in flight, each partition's
 * sequence numbers ({@link PartitionSequences}) and the {@code buffer.memory} permits queued records
 * hold. {@link #add} is the send side; {@link #drain} hands the sender the batches that are due,
 * numbered and built, and {@link #completed}, {@link #retryLater}, {@link #retryAfterGap} and
 * {@link #giveUp} settle an attempt, releasing its memory and completing its futures.
 *
 * <p>Pipelining: up to {@code max.in.flight} batches per partition are in flight, in sequence
 * order, and a failed attempt is resent in order ({@link PartitionQueue}) with the same numbers
 * (the leader answers the ones it wrote with their offsets). A batch numbered before its partition
 * moved to a new epoch is renumbered when resent if it is known not to be written, and fails
 * (possibly written) otherwise: the new epoch never lands a record ahead of, or twice with, an old one.
 *
 * <p>Thread-safety: safe from any thread. {@link #lock} guards every field except {@link #memory}
 * (a semaphore), {@link #sticky} (a concurrent map) and {@link #closing} (volatile); the sender
 * thread waits on {@link #changed}, which every change that may make a batch due signals.
 */
final class RecordAccumulator {
    private final ProducerConfig config;
    private final ClusterMetadata metadata;
    private final Semaphore memory;
    /** Batch buffers, reused; free ones up to half of {@code buffer.memory}. */
    private final BufferPool buffers;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Map<TopicPartition, PartitionQueue> batches = new HashMap<>();
    /** Records whose topic or partition metadata does not show yet. */
    private final AwaitingMetadata awaiting = new AwaitingMetadata();
    /** Producer id, epoch and next sequence per partition (idempotence). */
    private final PartitionSequences sequences = new PartitionSequences();
    private final Map<String, Integer> sticky = new ConcurrentHashMap<>();
    private int flushesWanted;
    private volatile boolean closing;

    RecordAccumulator(ProducerConfig config, ClusterMetadata metadata) {
        this.config = config;
        this.metadata = metadata;
        this.memory = new Semaphore((int) Math.min(Integer.MAX_VALUE, config.bufferMemory()));
        this.buffers = new BufferPool(config.bufferMemory() / 2);
    }

    /** Whether {@code t} (may be null) has the record's partition. */
    static boolean covers(TopicMetadata t, ProducerRecord record) {
        return t != null && t.getPartitionsCount() > 0 && (record.partition() == null || record.partition() < t.getPartitionsCount());
    }

    // ---------------------------------------------------------------- send side

    /** Takes {@code size} bytes of {@code buffer.memory}, waiting up to {@code delivery.timeout.ms}; false if it stayed full. */
    boolean reserve(int size) throws InterruptedException {
        return memory.tryAcquire(size, config.deliveryTimeoutMs(), TimeUnit.MILLISECONDS);
    }

    /**
     * Queues a record whose {@code size} bytes are {@linkplain #reserve reserved}: into its
     * partition's open batch, or behind the records awaiting metadata if {@code topic} is null
     * (unknown yet) or earlier records of its topic still wait.
     */
    void add(ProducerRecord record, CompletableFuture<RecordMetadata> future, int size, TopicMetadata topic, long deadlineMs) {
        lock.lock();
        try {
            if (topic == null || awaiting.holds(record.topic())) {
                awaiting.add(new AwaitingMetadata.Waiting(record, future, size, deadlineMs));
                changed.signalAll();
            } else {
                append(record, future, size, topic);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Needs the lock: puts the record into its partition's open batch. */
    private void append(ProducerRecord record, CompletableFuture<RecordMetadata> future, int size, TopicMetadata topic) {
        int partitions = topic.getPartitionsCount();
        int partition;
        if (record.partition() != null) {
            partition = record.partition();
        } else if (record.key() != null) {
            partition = Partitioner.forKey(record.key(), partitions);
        } else {
            partition = sticky.computeIfAbsent(record.topic(), t -> Partitioner.sticky(partitions, -1));
        }
        TopicPartition tp = new TopicPartition(record.topic(), partition);
        long now = System.currentTimeMillis();
        PartitionQueue partitionQueue = batches.computeIfAbsent(tp, k -> new PartitionQueue());
        Deque<Batch> queue = partitionQueue.batches;
        Batch open = queue.peekLast();
        if (open == null || open.built != null || open.builder.uncompressedSizeInBytes() + size > sizeLimit(partitionQueue, topic)) {
            // Room for a whole batch up front: records are encoded once and never regrown or copied.
            int expected = Math.max(config.batchSize(), size + RecordBatchLayout.HEADER_SIZE);
            open = new Batch(tp, new RecordBatchBuilder(config.compression(), expected, buffers), now, config.deliveryTimeoutMs());
            queue.addLast(open);
            changed.signalAll(); // the sender recomputes when this batch is due (linger.ms)
            if (record.partition() == null && record.key() == null && queue.size() > 1) {
                // The sticky partition's batch is full: stick to another one from now on.
                sticky.put(record.topic(), Partitioner.sticky(partitions, partition));
            }
        }
        int before = open.builder.uncompressedSizeInBytes();
        open.builder.append(record.timestamp() == null ? now : record.timestamp(), record.key(), record.value(), record.headers());
        open.futures.add(future);
        open.permits += size;
        if (before < config.batchSize() && open.builder.uncompressedSizeInBytes() >= config.batchSize()) {
            changed.signalAll(); // just became due
        }
    }

    /**
     * Needs the lock: how large the open (last) batch of {@code queue} may grow. {@code batch.size}
     * as a rule; but the batch right behind {@code max.in.flight} in flight is not sent before the
     * first one's answer anyway, so it keeps taking records up to {@code max.request.size} and the
     * topic's max.message.bytes (when the broker says it): a busy partition sends large batches per
     * round trip rather than queueing small ones behind each other.
     */
    private int sizeLimit(PartitionQueue queue, TopicMetadata topic) {
        if (!queue.openBatchWaits(config.maxInFlight()) || topic.getMaxMessageBytes() <= 0) {
            return config.batchSize();
        }
        // A compressed batch can come out a little larger than its records (incompressible data).
        int topicLimit = topic.getMaxMessageBytes() - (config.compression() == CompressionType.NONE ? 0 : topic.getMaxMessageBytes() / 32);
        return Math.max(config.batchSize(), Math.min(config.maxRequestSize(), topicLimit));
    }

    /** Makes every queued batch due until {@link #endFlush}; returns the futures of every record queued now. */
    List<CompletableFuture<RecordMetadata>> startFlush() {
        List<CompletableFuture<RecordMetadata>> pending = new ArrayList<>();
        lock.lock();
        try {
            batches.values().forEach(q -> q.batches.forEach(b -> pending.addAll(b.futures)));
            pending.addAll(awaiting.futures());
            flushesWanted++;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        return pending;
    }

    void endFlush() {
        lock.lock();
        try {
            flushesWanted--;
        } finally {
            lock.unlock();
        }
    }

    /** From now on every queued batch is due, and {@link #drain} returns null once nothing is left. */
    void close() {
        closing = true;
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    boolean isClosing() {
        return closing;
    }

    // ---------------------------------------------------------------- sender side

    boolean needsProducerId() {
        lock.lock();
        try {
            return sequences.needsProducerId();
        } finally {
            lock.unlock();
        }
    }

    void producerIdGranted(long producerId, short producerEpoch) {
        lock.lock();
        try {
            sequences.producerIdGranted(producerId, producerEpoch);
        } finally {
            lock.unlock();
        }
    }

    /**
     * One round of the sender while no producer id could be obtained: false once closing with
     * nothing queued; else hands records whose topic appeared their batches, fails batches past
     * their delivery timeout and waits {@code retry.backoff.ms} (or a change).
     */
    boolean idleWithoutProducerId() throws InterruptedException {
        lock.lock();
        try {
            if (closing && batches.values().stream().allMatch(q -> q.batches.isEmpty()) && awaiting.isEmpty()) {
                return false;
            }
            releaseAwaiting();
            failExpired();
            changed.await(config.retryBackoffMs() + 1, TimeUnit.MILLISECONDS);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The first batch of each idle partition that is due, by leader broker id, each marked in
     * flight and built (numbered first with idempotence); batches past their delivery timeout fail
     * on the way. If none is due, waits until the earliest could be (or a change) and returns an
     * empty map; returns null once closing with nothing queued or in flight.
     */
    Map<Integer, List<Batch>> drain() throws InterruptedException {
        lock.lock();
        try {
            if (closing && batches.values().stream().allMatch(q -> q.batches.isEmpty()) && awaiting.isEmpty()) {
                return null;
            }
            releaseAwaiting();
            Map<Integer, List<Batch>> ready = collectReady();
            if (ready.isEmpty()) {
                changed.await(Math.max(1, nextWakeMs()), TimeUnit.MILLISECONDS);
            }
            return ready;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Needs the lock: refreshes metadata (once per retry.backoff.ms) for records waiting for their
     * topic, appends those now known and fails those past their delivery timeout.
     */
    private void releaseAwaiting() {
        if (awaiting.isEmpty()) {
            return;
        }
        long now = System.currentTimeMillis();
        if (metadata.refreshPaced(now, config.retryBackoffMs())) {
            // Where brokers auto-create topics (auto.create.topics.enable), ask for the missing ones.
            metadata.requestCreation(awaiting.topics());
        }
        MetadataResponse md = metadata.current();
        for (AwaitingMetadata.Waiting w : awaiting.takeKnown(r -> covers(ClusterMetadata.topic(md, r.topic()), r))) {
            append(w.record(), w.future(), w.permits(), ClusterMetadata.topic(md, w.record().topic()));
        }
        for (AwaitingMetadata.Waiting w : awaiting.takeExpired(now)) {
            memory.release(w.permits());
            TopicMetadata t = ClusterMetadata.topic(md, w.record().topic());
            w.future().completeExceptionally(new ProduceException(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, t == null
                ? "topic '" + w.record().topic() + "' does not exist (waited delivery.timeout.ms)"
                : "topic '" + w.record().topic() + "' has " + t.getPartitionsCount() + " partitions, not " + (w.record().partition() + 1)));
        }
    }

    /**
     * Fails every queued batch with {@code error}: the cluster refused this producer an id for good
     * (it may not write at all), so waiting out the delivery timeout would only hide why.
     */
    void failQueued(ProduceException error) {
        lock.lock();
        try {
            for (PartitionQueue q : batches.values()) {
                while (!q.batches.isEmpty() && q.inFlight() == 0) {
                    fail(q.batches.pollFirst(), error);
                }
            }
            // And the records waiting for their topic to show: a topic the principal may not DESCRIBE
            // never shows to it, so they would wait out delivery.timeout.ms for the same refusal.
            for (AwaitingMetadata.Waiting w : awaiting.takeAll()) {
                memory.release(w.permits());
                w.future().completeExceptionally(error);
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** What a timed-out batch waited for: its last attempt's error, or a leader. */
    private String waitedFor(Batch b) {
        if (b.lastError != null) {
            return "; last attempt: " + b.lastError;
        }
        return metadata.leader(b.tp) == null ? "; waited for a leader of " + b.tp : "";
    }

    /** Needs the lock: fails queued batches past their delivery timeout. */
    private void failExpired() {
        long now = System.currentTimeMillis();
        for (PartitionQueue pq : batches.values()) {
            Deque<Batch> q = pq.batches;
            while (!q.isEmpty() && now >= q.peekFirst().deadlineMs && pq.inFlight() == 0) {
                Batch expired = q.pollFirst();
                fail(expired, new ProduceException(ErrorCode.REQUEST_TIMED_OUT,
                    "no producer id could be obtained within delivery.timeout.ms", expired.possiblyWritten));
            }
        }
    }

    /** Needs the lock: see {@link #drain}. */
    private Map<Integer, List<Batch>> collectReady() {
        long now = System.currentTimeMillis();
        metadata.refreshIfStale(); // if no broker answers, batches keep the old view and eventually time out
        Map<Integer, List<Batch>> ready = new HashMap<>();
        for (Map.Entry<TopicPartition, PartitionQueue> e : batches.entrySet()) {
            TopicPartition tp = e.getKey();
            PartitionQueue queue = e.getValue();
            Batch first = queue.batches.peekFirst();
            if (first == null || !queue.canSend(config.maxInFlight())) {
                continue;
            }
            if (queue.inFlight() == 0 && now >= first.deadlineMs) {
                queue.batches.pollFirst();
                fail(first, new ProduceException(ErrorCode.REQUEST_TIMED_OUT, first.tp + ": not acknowledged within "
                    + "delivery.timeout.ms (" + config.deliveryTimeoutMs() + " ms)" + waitedFor(first), first.possiblyWritten));
                continue;
            }
            BrokerInfo leader = metadata.leader(tp);
            if (leader == null) {
                metadata.markStale();
                Batch next = queue.nextUnsent();
                if (next != null) {
                    next.retryAtMs = now + config.retryBackoffMs(); // no leader yet: back off, not a refresh per loop
                }
                continue;
            }
            Batch b;
            while (queue.canSend(config.maxInFlight()) && (b = queue.nextDue(now, config, flushesWanted > 0 || closing)) != null
                && number(b)) {
                if (b.built == null) {
                    queue.batches.remove(b); // numbered before an epoch change and possibly written: failed by number()
                } else {
                    queue.sent(b);
                    ready.computeIfAbsent(leader.getId(), id -> new ArrayList<>()).add(b);
                }
            }
        }
        return ready;
    }

    /**
     * Needs the lock: makes {@code b} ready to send. Builds it the first time (numbered first with
     * idempotence); renumbers one numbered before its partition's epoch changed if it is known not
     * to be written, or fails it (leaving {@code built} null) if it may be. False if it has to wait
     * for a producer id.
     */
    private boolean number(Batch b) {
        if (config.idempotence() && (b.built == null || !sequences.isCurrent(b.tp, b.stamp))) {
            if (!sequences.canStamp(b.tp)) {
                return false; // waits for a new producer id
            }
            if (b.built != null && b.possiblyWritten) {
                fail(b, new ProduceException(ErrorCode.OUT_OF_ORDER_SEQUENCE, b.tp + ": an earlier batch failed for good "
                    + "while this one's outcome was unknown" + waitedFor(b), true));
                b.built = null;
                return true;
            }
            b.stamp = sequences.stamp(b.tp, b.builder.recordCount());
            if (b.built != null) {
                RecordBatch.of(b.built).stampProducer(b.stamp.producerId(), b.stamp.producerEpoch(), b.stamp.baseSequence());
                return true;
            }
            b.builder.producer(b.stamp.producerId(), b.stamp.producerEpoch(), b.stamp.baseSequence());
        }
        if (b.built == null) {
            // Built under the lock: send() may otherwise still be appending to this builder.
            b.built = b.builder.build();
        }
        return true;
    }

    /**
     * Needs the lock: how long until the earliest batch is due. Partitions that cannot send now
     * (as many in flight as allowed, or settling) are skipped: their answers signal {@link #changed}.
     */
    private long nextWakeMs() {
        long now = System.currentTimeMillis();
        long wake = awaiting.isEmpty() ? 100 : Math.min(100, metadata.nextPacedRefreshMs() - now);
        for (PartitionQueue q : batches.values()) {
            if (q.canSend(config.maxInFlight())) {
                wake = Math.min(wake, q.dueAtMs(config) - now);
            }
        }
        return wake;
    }

    /**
     * Whether the last attempt of {@code b} may have been refused as a gap (OUT_OF_ORDER_SEQUENCE)
     * only because of an older batch of its partition: it went out while an older one was
     * unanswered (which may have failed, or been reordered behind it on the way), or its partition
     * moved to a new epoch since it was numbered.
     */
    boolean mayFollowAGap(Batch b) {
        lock.lock();
        try {
            return b.sentBehindOthers || b.stamp != null && !sequences.isCurrent(b.tp, b.stamp);
        } finally {
            lock.unlock();
        }
    }

    /** The leader wrote the in-flight batch {@code b} at {@code baseOffset}: completes its records' futures. */
    void completed(Batch b, long baseOffset) {
        lock.lock();
        try {
            PartitionQueue queue = batches.get(b.tp);
            queue.batches.remove(b);
            queue.answered(b, false);
            memory.release(b.permits);
            b.builder.release(); // answered: its bytes were sent and are not needed again
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        for (int i = 0; i < b.futures.size(); i++) {
            b.futures.get(i).complete(new RecordMetadata(b.tp.topic(), b.tp.partition(), config.acks() == 0 ? -1 : baseOffset + i));
        }
    }

    /** An attempt of {@code b} failed retriably: resent in order from {@code retryAtMs}, same numbers. */
    void retryLater(Batch b, boolean possiblyWritten, long retryAtMs, String why) {
        retry(b, possiblyWritten, retryAtMs, why);
    }

    /**
     * {@code b} was refused as a gap that an older batch explains ({@link #mayFollowAGap}): not
     * written (the leader would answer a copy it has as a duplicate: it remembers 5 batches, and at
     * most 5 are unanswered); resent in order, renumbered if its partition moved to a new epoch.
     */
    void retryAfterGap(Batch b, String why) {
        retry(b, null, 0, why);
    }

    /** {@code possiblyWritten} null: known not to be written, by this attempt or any before. */
    private void retry(Batch b, Boolean possiblyWritten, long retryAtMs, String why) {
        lock.lock();
        try {
            batches.get(b.tp).answered(b, true);
            b.lastError = why;
            b.possiblyWritten = possiblyWritten == null ? false : b.possiblyWritten | possiblyWritten;
            b.retryAtMs = retryAtMs;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** An attempt of the in-flight batch {@code b} failed for good: its records fail with {@code error}. */
    void giveUp(Batch b, boolean possiblyWritten, ErrorCode error, String message) {
        lock.lock();
        try {
            PartitionQueue queue = batches.get(b.tp);
            queue.answered(b, true);
            queue.batches.remove(b);
            b.possiblyWritten |= possiblyWritten;
            fail(b, new ProduceException(error, message, b.possiblyWritten));
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Needs the lock; {@code b} is out of the queues and not in flight. A batch numbered in its
     * partition's current epoch failing leaves the leader's next expected sequence unknown, so the
     * partition starts a new epoch.
     */
    private void fail(Batch b, ProduceException error) {
        if (b.stamp != null && sequences.isCurrent(b.tp, b.stamp)) {
            sequences.reset(b.tp);
        }
        memory.release(b.permits);
        if (b.built != null) {
            b.builder.release();
        }
        b.futures.forEach(f -> f.completeExceptionally(error));
    }
}
