package io.runnel.client.producer;

import com.google.protobuf.UnsafeByteOperations;
import io.grpc.stub.StreamObserver;
import io.runnel.client.common.Bootstrap;
import io.runnel.client.common.RetriableErrors;
import io.runnel.client.common.TopicPartition;
import io.runnel.proto.v1.BrokerGrpc;
import io.runnel.proto.v1.BrokerInfo;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.MetadataResponse;
import io.runnel.proto.v1.PartitionMetadata;
import io.runnel.proto.v1.PartitionProduceData;
import io.runnel.proto.v1.PartitionProduceResponse;
import io.runnel.proto.v1.ProduceRequest;
import io.runnel.proto.v1.ProduceResponse;
import io.runnel.proto.v1.TopicMetadata;
import io.runnel.proto.v1.TopicProduceData;
import io.runnel.proto.v1.TopicProduceResponse;
import io.runnel.record.RecordBatchBuilder;
import java.io.Closeable;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumSet;
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
 * Sends records to partition leaders in batches. {@link #send} appends the record to its
 * partition's open batch and returns a future; a sender thread ships a batch once it is full, has
 * waited {@code linger.ms}, or on {@link #flush}/{@link #close}, grouping every ready partition led
 * by one broker into one request. Retriable failures (leader moved, not enough replicas, timeouts)
 * are retried after a metadata refresh until {@code delivery.timeout.ms}.
 *
 * <p>Ordering: at most one batch per partition is in flight, so retries never reorder a
 * partition's records. With idempotence (the default) the producer takes a producer id from the
 * cluster and numbers each partition's batches; a retried batch carries the same numbers, so a
 * leader that already wrote it answers with the original offsets instead of writing it twice, and
 * that holds across leader failover (followers replicate the producer state with the data).
 *
 * <p>Thread-safety: {@link #send}, {@link #flush} and {@link #close} are safe from any thread.
 */
public final class RunnelProducer implements Closeable {
    /**
     * Answers after which the leader may hold the batch: acks=all timed out or the ISR shrank after
     * the append (both written), or an error the broker did not classify. A retry carries the same
     * numbers, so the leader's duplicate check keeps it from being written twice. (NOT_ENOUGH_REPLICAS,
     * NOT_LEADER and the like come before the append: nothing was written.)
     */
    private static final Set<ErrorCode> MAY_HAVE_WRITTEN = EnumSet.of(ErrorCode.REQUEST_TIMED_OUT,
        ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND, ErrorCode.UNKNOWN_SERVER_ERROR);

    private final ProducerConfig config;
    private final Bootstrap bootstrap;
    private final Semaphore memory;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    /** Guarded by {@link #lock}. */
    private final Map<TopicPartition, Deque<Batch>> batches = new HashMap<>();
    /** Guarded by {@link #lock}: partitions with a batch in flight. */
    private final Set<TopicPartition> inFlight = new HashSet<>();
    private final Map<String, Integer> sticky = new ConcurrentHashMap<>();
    private volatile MetadataResponse metadata = MetadataResponse.getDefaultInstance();
    private volatile boolean metadataStale = true;
    private volatile boolean closing;
    private int flushesWanted;
    /** Guarded by {@link #lock}: records whose topic or partition metadata does not show yet. */
    private final AwaitingMetadata awaiting = new AwaitingMetadata();
    /** Guarded by {@link #lock}. */
    private long nextAwaitingRefreshMs;
    private final Thread sender;
    private final io.grpc.ClientInterceptor[] interceptors;
    /** Guarded by {@link #lock}: producer id, epoch and next sequence per partition (idempotence). */
    private final PartitionSequences sequences = new PartitionSequences();

    /** One partition's batch: records appended, then built once and sent (and re-sent on retry). */
    private static final class Batch {
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

        Batch(TopicPartition tp, RecordBatchBuilder builder, long now, long deliveryTimeoutMs) {
            this.tp = tp;
            this.builder = builder;
            this.createdMs = now;
            this.deadlineMs = now + deliveryTimeoutMs;
        }
    }

    public RunnelProducer(ProducerConfig config) {
        this(config, new io.grpc.ClientInterceptor[0]);
    }

    /** @param interceptors applied to every produce call (tracing, authentication, fault injection in tests) */
    public RunnelProducer(ProducerConfig config, io.grpc.ClientInterceptor... interceptors) {
        this.config = config;
        this.interceptors = interceptors.clone();
        this.bootstrap = new Bootstrap(config.bootstrapServers());
        this.memory = new Semaphore((int) Math.min(Integer.MAX_VALUE, config.bufferMemory()));
        this.sender = new Thread(this::runSender, "runnel-producer-sender");
        this.sender.setDaemon(true);
        this.sender.start();
    }

    /**
     * Queues a record. Blocks while {@code buffer.memory} is full (back-pressure), up to
     * {@code delivery.timeout.ms}. A record whose topic (or partition) metadata does not show yet
     * waits for it, refreshed every {@code retry.backoff.ms}, within its delivery timeout.
     *
     * @return completes with the record's offset, or exceptionally with {@link ProduceException}
     *         (a non-retriable error, or the last error once the delivery timeout passed: e.g.
     *         UNKNOWN_TOPIC_OR_PARTITION for a topic that never appeared)
     * @throws IllegalStateException after {@link #close}
     */
    public CompletableFuture<RecordMetadata> send(ProducerRecord record) {
        if (closing) {
            throw new IllegalStateException("producer is closed");
        }
        CompletableFuture<RecordMetadata> future = new CompletableFuture<>();
        long sentMs = System.currentTimeMillis();
        TopicMetadata topic = knownTopic(record);
        int size = 64 + (record.key() == null ? 0 : record.key().length) + (record.value() == null ? 0 : record.value().length);
        try {
            if (!memory.tryAcquire(size, config.deliveryTimeoutMs(), TimeUnit.MILLISECONDS)) {
                future.completeExceptionally(new ProduceException(ErrorCode.REQUEST_TIMED_OUT,
                    "buffer.memory stayed full for delivery.timeout.ms"));
                return future;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            future.completeExceptionally(e);
            return future;
        }
        lock.lock();
        try {
            if (topic == null || awaiting.holds(record.topic())) {
                awaiting.add(new AwaitingMetadata.Waiting(record, future, size, sentMs + config.deliveryTimeoutMs()));
                changed.signalAll();
            } else {
                append(record, future, size, topic);
            }
        } finally {
            lock.unlock();
        }
        return future;
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
        if (open == null || open.built != null || open.builder.uncompressedSizeInBytes() + size > config.batchSize()) {
            open = new Batch(tp, new RecordBatchBuilder(config.compression()), now, config.deliveryTimeoutMs());
            queue.addLast(open);
            changed.signalAll(); // the sender recomputes when this batch is due (linger.ms)
            if (record.partition() == null && record.key() == null && queue.size() > 1) {
                // The sticky partition's batch is full: stick to another one from now on.
                sticky.put(record.topic(), Partitioner.sticky(partitions, partition));
            }
        }
        open.builder.append(record.timestamp() == null ? now : record.timestamp(), record.key(), record.value(), record.headers());
        open.futures.add(future);
        open.permits += size;
        if (open.builder.uncompressedSizeInBytes() >= config.batchSize()) {
            changed.signalAll();
        }
    }

    /** Sends every queued record now and waits until each is acknowledged or failed. */
    public void flush() {
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
        CompletableFuture.allOf(pending.toArray(new CompletableFuture[0])).exceptionally(e -> null).join();
        lock.lock();
        try {
            flushesWanted--;
        } finally {
            lock.unlock();
        }
    }

    /** Sends everything queued, waits for the answers, then releases connections. Idempotent. */
    @Override
    public void close() {
        if (closing) {
            return;
        }
        flush();
        closing = true;
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        try {
            sender.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        bootstrap.close();
    }

    // ---------------------------------------------------------------- metadata

    /**
     * The record's topic if metadata has it with the record's partition, refreshing once if not;
     * null if not (unknown yet, or no broker answered), and the record then waits in
     * {@link #awaiting}.
     */
    private TopicMetadata knownTopic(ProducerRecord record) {
        TopicMetadata t = find(metadata, record.topic());
        if (!covers(t, record) || metadataStale && t.getPartitionsList().stream().anyMatch(p -> p.getLeaderId() < 0)) {
            try {
                refreshMetadata();
            } catch (ProduceException e) {
                return null;
            }
            t = find(metadata, record.topic());
        }
        return covers(t, record) ? t : null;
    }

    private static boolean covers(TopicMetadata t, ProducerRecord record) {
        return t != null && t.getPartitionsCount() > 0 && (record.partition() == null || record.partition() < t.getPartitionsCount());
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
        if (now >= nextAwaitingRefreshMs) {
            nextAwaitingRefreshMs = now + config.retryBackoffMs();
            try {
                refreshMetadata();
            } catch (ProduceException e) {
                // no broker answered: the next round asks again
            }
        }
        MetadataResponse md = metadata;
        for (AwaitingMetadata.Waiting w : awaiting.takeKnown(r -> covers(find(md, r.topic()), r))) {
            append(w.record(), w.future(), w.permits(), find(md, w.record().topic()));
        }
        for (AwaitingMetadata.Waiting w : awaiting.takeExpired(now)) {
            memory.release(w.permits());
            TopicMetadata t = find(md, w.record().topic());
            w.future().completeExceptionally(new ProduceException(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, t == null
                ? "topic '" + w.record().topic() + "' does not exist (waited delivery.timeout.ms)"
                : "topic '" + w.record().topic() + "' has " + t.getPartitionsCount() + " partitions, not " + (w.record().partition() + 1)));
        }
    }

    private static TopicMetadata find(MetadataResponse md, String topic) {
        return md.getTopicsList().stream().filter(t -> t.getName().equals(topic) && t.getError() == ErrorCode.NONE)
            .findFirst().orElse(null);
    }

    private void refreshMetadata() {
        try {
            metadata = bootstrap.metadata(List.of());
            metadataStale = false;
        } catch (Bootstrap.ClusterUnreachableException e) {
            throw new ProduceException(ErrorCode.UNKNOWN_SERVER_ERROR, e.getMessage());
        } catch (RuntimeException e) {
            throw new ProduceException(ErrorCode.UNKNOWN_SERVER_ERROR, "metadata request failed: " + e.getMessage());
        }
    }

    private BrokerInfo leaderOf(TopicPartition tp) {
        TopicMetadata t = find(metadata, tp.topic());
        if (t == null) {
            return null;
        }
        for (PartitionMetadata p : t.getPartitionsList()) {
            if (p.getPartition() == tp.partition()) {
                return metadata.getBrokersList().stream().filter(b -> b.getId() == p.getLeaderId()).findFirst().orElse(null);
            }
        }
        return null;
    }

    // ---------------------------------------------------------------- sender

    private void runSender() {
        while (true) {
            if (config.idempotence() && needsProducerId() && !initProducerId()) {
                lock.lock();
                try {
                    if (closing && batches.values().stream().allMatch(Deque::isEmpty) && awaiting.isEmpty()) {
                        return;
                    }
                    releaseAwaiting();
                    failExpired();
                    changed.await(config.retryBackoffMs() + 1, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    return;
                } finally {
                    lock.unlock();
                }
                continue;
            }
            Map<Integer, List<Batch>> ready;
            lock.lock();
            try {
                if (closing && batches.values().stream().allMatch(Deque::isEmpty) && inFlight.isEmpty() && awaiting.isEmpty()) {
                    return;
                }
                releaseAwaiting();
                ready = collectReady();
                if (ready.isEmpty()) {
                    changed.await(Math.max(1, nextWakeMs()), TimeUnit.MILLISECONDS);
                    continue;
                }
            } catch (InterruptedException e) {
                return;
            } finally {
                lock.unlock();
            }
            ready.forEach(this::sendTo);
        }
    }

    private boolean needsProducerId() {
        lock.lock();
        try {
            return sequences.needsProducerId();
        } finally {
            lock.unlock();
        }
    }

    /** Asks any broker for a producer id; false (to retry later) if none could give one. */
    private boolean initProducerId() {
        try {
            var r = BrokerGrpc.newBlockingStub(bootstrap.anyChannel()).withInterceptors(interceptors)
                .withDeadlineAfter(config.requestTimeoutMs(), TimeUnit.MILLISECONDS)
                .initProducerId(io.runnel.proto.v1.InitProducerIdRequest.getDefaultInstance());
            if (r.getError() != ErrorCode.NONE) {
                return false;
            }
            lock.lock();
            try {
                sequences.producerIdGranted(r.getProducerId(), (short) r.getProducerEpoch());
            } finally {
                lock.unlock();
            }
            return true;
        } catch (RuntimeException e) {
            return false;
        }
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

    /** Needs the lock: the first batch of each idle partition that is due, by leader broker. */
    private Map<Integer, List<Batch>> collectReady() {
        long now = System.currentTimeMillis();
        if (metadataStale) {
            try {
                refreshMetadata();
            } catch (ProduceException e) {
                // keep the old view; batches wait and eventually time out
            }
        }
        Map<Integer, List<Batch>> ready = new HashMap<>();
        for (Map.Entry<TopicPartition, Deque<Batch>> e : batches.entrySet()) {
            Batch first = e.getValue().peekFirst();
            if (first == null || inFlight.contains(e.getKey())) {
                continue;
            }
            if (now >= first.deadlineMs) {
                e.getValue().pollFirst();
                fail(first, new ProduceException(ErrorCode.REQUEST_TIMED_OUT, "not acknowledged within delivery.timeout.ms",
                    first.possiblyWritten));
                continue;
            }
            boolean due = e.getValue().size() > 1 || first.builder.uncompressedSizeInBytes() >= config.batchSize()
                || now - first.createdMs >= config.lingerMs() || flushesWanted > 0 || closing;
            if (!due || now < first.retryAtMs || first.futures.isEmpty()) {
                continue;
            }
            BrokerInfo leader = leaderOf(e.getKey());
            if (leader == null) {
                metadataStale = true;
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

    /** Needs the lock: how long until the earliest batch is due. */
    private long nextWakeMs() {
        long now = System.currentTimeMillis();
        long wake = awaiting.isEmpty() ? 100 : Math.min(100, nextAwaitingRefreshMs - now);
        for (Deque<Batch> q : batches.values()) {
            Batch first = q.peekFirst();
            if (first != null) {
                wake = Math.min(wake, Math.max(first.createdMs + config.lingerMs(), first.retryAtMs) - now);
            }
        }
        return wake;
    }

    private void sendTo(int brokerId, List<Batch> toSend) {
        BrokerInfo broker = metadata.getBrokersList().stream().filter(b -> b.getId() == brokerId).findFirst().orElse(null);
        Map<String, TopicProduceData.Builder> byTopic = new HashMap<>();
        for (Batch b : toSend) {
            byTopic.computeIfAbsent(b.tp.topic(), t -> TopicProduceData.newBuilder().setTopic(t))
                .addPartitions(PartitionProduceData.newBuilder().setPartition(b.tp.partition())
                    .setRecordBatches(UnsafeByteOperations.unsafeWrap(b.built.duplicate())));
        }
        ProduceRequest.Builder request = ProduceRequest.newBuilder().setAcks(config.acks())
            .setTimeoutMs((int) Math.min(Integer.MAX_VALUE, config.requestTimeoutMs()));
        byTopic.values().forEach(request::addTopics);
        if (broker == null) {
            toSend.forEach(b -> retryOrFail(b, ErrorCode.LEADER_NOT_AVAILABLE, "leader " + brokerId + " unknown", false));
            return;
        }
        BrokerGrpc.newStub(bootstrap.channel(broker)).withInterceptors(interceptors)
            .withDeadlineAfter(config.requestTimeoutMs() + 1000, TimeUnit.MILLISECONDS)
            .produce(request.build(), new StreamObserver<>() {
                @Override
                public void onNext(ProduceResponse response) {
                    Map<TopicPartition, PartitionProduceResponse> answers = new HashMap<>();
                    for (TopicProduceResponse t : response.getTopicsList()) {
                        for (PartitionProduceResponse p : t.getPartitionsList()) {
                            answers.put(new TopicPartition(t.getTopic(), p.getPartition()), p);
                        }
                    }
                    for (Batch b : toSend) {
                        PartitionProduceResponse p = answers.get(b.tp);
                        if (p == null) {
                            retryOrFail(b, ErrorCode.UNKNOWN_SERVER_ERROR, "no answer for " + b.tp, true);
                        } else if (p.getError() == ErrorCode.NONE) {
                            complete(b, p.getBaseOffset());
                        } else {
                            retryOrFail(b, p.getError(), p.getErrorMessage(), mayHaveWritten(p.getError()));
                        }
                    }
                }

                @Override
                public void onError(Throwable t) {
                    // The request may have reached the leader before the call failed.
                    toSend.forEach(b -> retryOrFail(b, ErrorCode.REQUEST_TIMED_OUT, "request failed: " + t.getMessage(), true));
                }

                @Override
                public void onCompleted() {
                }
            });
    }

    private void complete(Batch b, long baseOffset) {
        lock.lock();
        try {
            batches.get(b.tp).remove(b);
            inFlight.remove(b.tp);
            memory.release(b.permits);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        for (int i = 0; i < b.futures.size(); i++) {
            b.futures.get(i).complete(new RecordMetadata(b.tp.topic(), b.tp.partition(), config.acks() == 0 ? -1 : baseOffset + i));
        }
    }

    /**
     * An attempt failed: retried (with the same numbers) after a backoff and a metadata refresh
     * while retriable and before the delivery timeout, else failed. {@code possiblyWritten}: the
     * answer leaves open whether the leader wrote the batch.
     */
    private void retryOrFail(Batch b, ErrorCode error, String message, boolean possiblyWritten) {
        lock.lock();
        try {
            inFlight.remove(b.tp);
            b.possiblyWritten |= possiblyWritten;
            if (RetriableErrors.isRetriable(error) && System.currentTimeMillis() + config.retryBackoffMs() < b.deadlineMs) {
                metadataStale = true;
                b.retryAtMs = System.currentTimeMillis() + config.retryBackoffMs();
            } else {
                batches.get(b.tp).remove(b);
                fail(b, new ProduceException(error, message, b.possiblyWritten));
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private static boolean mayHaveWritten(ErrorCode error) {
        return MAY_HAVE_WRITTEN.contains(error);
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
        b.futures.forEach(f -> f.completeExceptionally(error));
    }

    /**
     * A record the producer gave up on, with the cluster's (last) error code. Unless
     * {@link #possiblyWritten}, nothing was written; otherwise an attempt may have been (a timeout,
     * NOT_ENOUGH_REPLICAS_AFTER_APPEND, a lost answer), and a reader may still see the record.
     */
    public static final class ProduceException extends RuntimeException {
        private final ErrorCode code;
        private final boolean possiblyWritten;

        public ProduceException(ErrorCode code, String message) {
            this(code, message, false);
        }

        public ProduceException(ErrorCode code, String message, boolean possiblyWritten) {
            super(code + ": " + message + (possiblyWritten ? " (an earlier attempt may have been written)" : ""));
            this.code = code;
            this.possiblyWritten = possiblyWritten;
        }

        public ErrorCode code() {
            return code;
        }

        /** Whether an attempt may have reached the log, so the record's outcome is unknown (not "not written"). */
        public boolean possiblyWritten() {
            return possiblyWritten;
        }
    }
}
