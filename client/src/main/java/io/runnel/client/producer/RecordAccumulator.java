package io.runnel.client.producer;

import io.runnel.client.common.ClusterMetadata;
import io.runnel.client.common.TopicPartition;
import io.runnel.client.producer.RunnelProducer.ProduceException;
import io.runnel.proto.v1.BrokerInfo;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.MetadataResponse;
import io.runnel.proto.v1.TopicMetadata;
import io.runnel.record.CompressionType;
import io.runnel.record.RecordBatchBuilder;
import io.runnel.record.RecordBatchLayout;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The producer's records between {@code send} and their answer: each partition's queue of batches
 * (the last one open for appends), the records waiting for their topic to show in metadata
 * ({@link AwaitingMetadata}), the partitions with a batch in flight, each partition's sequence
 * numbers ({@link PartitionSequences}) and the {@code buffer.memory} permits queued records hold.
 * {@link #add} is the send side; {@link #drain} hands the sender the batches that are due (at most
 * one in flight per partition, numbered and built), and {@link #completed}, {@link #retryLater} and
 * {@link #giveUp} settle an attempt, releasing its memory and completing its futures.
 *
 * <p>Thread-safety: safe from any thread. {@link #lock} guards every field except {@link #memory}
 * (a semaphore), {@link #sticky} (a concurrent map) and {@link #closing} (volatile); the sender
 * thread waits on {@link #changed}, which every change that may make a batch due signals.
 */
final class RecordAccumulator {
    /** One partition's batch: records appended, then built once and sent (and re-sent on retry). */
    static final class Batch {
        final TopicPartition tp;
        final RecordBatchBuilder builder;
        final List<CompletableFuture<RecordMetadata>> futures = new ArrayList<>();
        final long createdMs;
        final long deadlineMs;
        int permits;
        ByteBuffer built;
        long retryAtMs;
        /** An attempt ended without telling whether the leader wrote the batch. */
        boolean possiblyWritten;
        /** Why the last attempt failed ("ERROR: message"), or null: named when the batch times out. */
        String lastError;

        Batch(TopicPartition tp, RecordBatchBuilder builder, long now, long deliveryTimeoutMs) {
            this.tp = tp;
            this.builder = builder;
            this.createdMs = now;
            this.deadlineMs = now + deliveryTimeoutMs;
        }
    }

    private final ProducerConfig config;
    private final ClusterMetadata metadata;
    private final Semaphore memory;
    /** Batch buffers, reused; free ones up to half of {@code buffer.memory}. */
    private final BufferPool buffers;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Map<TopicPartition, Deque<Batch>> batches = new HashMap<>();
    /** Partitions with a batch in flight. */
    private final Set<TopicPartition> inFlight = new HashSet<>();
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
        Deque<Batch> queue = batches.computeIfAbsent(tp, k -> new ArrayDeque<>());
        Batch open = queue.peekLast();
        if (open == null || open.built != null || open.builder.uncompressedSizeInBytes() + size > sizeLimit(tp, queue, topic)) {
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
     * as a rule; but the batch right behind one in flight is not sent before that one's answer
     * anyway, so it keeps taking records up to {@code max.request.size} and the topic's
     * max.message.bytes (when the broker says it): a busy partition sends one large batch per round
     * trip rather than queueing small ones behind each other.
     */
    private int sizeLimit(TopicPartition tp, Deque<Batch> queue, TopicMetadata topic) {
        if (queue.size() != 2 || !inFlight.contains(tp) || topic.getMaxMessageBytes() <= 0) {
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
            batches.values().forEach(q -> q.forEach(b -> pending.addAll(b.futures)));
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
            if (closing && batches.values().stream().allMatch(Deque::isEmpty) && awaiting.isEmpty()) {
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
            if (closing && batches.values().stream().allMatch(Deque::isEmpty) && inFlight.isEmpty() && awaiting.isEmpty()) {
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
            for (Deque<Batch> q : batches.values()) {
                while (!q.isEmpty() && !inFlight.contains(q.peekFirst().tp)) {
                    fail(q.pollFirst(), error);
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
        for (Deque<Batch> q : batches.values()) {
            while (!q.isEmpty() && now >= q.peekFirst().deadlineMs && !inFlight.contains(q.peekFirst().tp)) {
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
        for (Map.Entry<TopicPartition, Deque<Batch>> e : batches.entrySet()) {
            Batch first = e.getValue().peekFirst();
            if (first == null || inFlight.contains(e.getKey())) {
                continue;
            }
            if (now >= first.deadlineMs) {
                e.getValue().pollFirst();
                fail(first, new ProduceException(ErrorCode.REQUEST_TIMED_OUT, first.tp + ": not acknowledged within "
                    + "delivery.timeout.ms (" + config.deliveryTimeoutMs() + " ms)" + waitedFor(first), first.possiblyWritten));
                continue;
            }
            boolean due = e.getValue().size() > 1 || first.builder.uncompressedSizeInBytes() >= config.batchSize()
                || now - first.createdMs >= config.lingerMs() || flushesWanted > 0 || closing;
            if (!due || now < first.retryAtMs || first.futures.isEmpty()) {
                continue;
            }
            BrokerInfo leader = metadata.leader(e.getKey());
            if (leader == null) {
                metadata.markStale();
                first.retryAtMs = now + config.retryBackoffMs(); // no leader yet: back off, not a refresh per loop
                continue;
            }
            if (first.built == null && config.idempotence() && !sequences.canStamp(e.getKey())) {
                continue; // waits for a new producer id
            }
            inFlight.add(e.getKey());
            if (first.built == null) {
                // Built under the lock: send() may otherwise still be appending to this builder.
                if (config.idempotence()) {
                    PartitionSequences.Stamp stamp = sequences.stamp(e.getKey(), first.builder.recordCount());
                    first.builder.producer(stamp.producerId(), stamp.producerEpoch(), stamp.baseSequence());
                }
                first.built = first.builder.build();
            }
            ready.computeIfAbsent(leader.getId(), id -> new ArrayList<>()).add(first);
        }
        return ready;
    }

    /**
     * Needs the lock: how long until the earliest batch is due. Partitions with a batch in flight
     * are skipped: their answer signals {@link #changed}.
     */
    private long nextWakeMs() {
        long now = System.currentTimeMillis();
        long wake = awaiting.isEmpty() ? 100 : Math.min(100, metadata.nextPacedRefreshMs() - now);
        for (Map.Entry<TopicPartition, Deque<Batch>> e : batches.entrySet()) {
            Batch first = e.getValue().peekFirst();
            if (first != null && !inFlight.contains(e.getKey())) {
                wake = Math.min(wake, Math.max(first.createdMs + config.lingerMs(), first.retryAtMs) - now);
            }
        }
        return wake;
    }

    /** The leader wrote the in-flight batch {@code b} at {@code baseOffset}: completes its records' futures. */
    void completed(Batch b, long baseOffset) {
        lock.lock();
        try {
            batches.get(b.tp).remove(b);
            inFlight.remove(b.tp);
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

    /**
     * An attempt of the in-flight batch {@code b} failed retriably: it stays first in its queue and
     * is due again at {@code retryAtMs}, with the same numbers. {@code possiblyWritten}: the answer
     * leaves open whether the leader wrote it.
     */
    void retryLater(Batch b, boolean possiblyWritten, long retryAtMs, String why) {
        lock.lock();
        try {
            inFlight.remove(b.tp);
            b.lastError = why;
            b.possiblyWritten |= possiblyWritten;
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
            inFlight.remove(b.tp);
            b.possiblyWritten |= possiblyWritten;
            batches.get(b.tp).remove(b);
            fail(b, new ProduceException(error, message, b.possiblyWritten));
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Needs the lock; {@code b} is out of the queues and not in flight. A numbered batch failing
     * leaves the leader's next expected sequence unknown, so its partition starts a new epoch.
     */
    private void fail(Batch b, ProduceException error) {
        if (b.built != null && config.idempotence()) {
            sequences.reset(b.tp);
        }
        memory.release(b.permits);
        if (b.built != null) {
            b.builder.release();
        }
        b.futures.forEach(f -> f.completeExceptionally(error));
    }
}
