package io.runnel.client.producer;

import io.grpc.ClientInterceptor;
import io.runnel.client.common.Bootstrap;
import io.runnel.security.TlsFiles;
import io.runnel.client.common.ClusterMetadata;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.TopicMetadata;
import java.io.Closeable;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Sends records to partition leaders in batches. {@link #send} appends the record to its
 * partition's open batch and returns a future; a sender thread ships a batch once it is full, has
 * waited {@code linger.ms}, or on {@link #flush}/{@link #close}, grouping every ready partition led
 * by one broker into one request. Retriable failures (leader moved, not enough replicas, timeouts)
 * are retried after a metadata refresh until {@code delivery.timeout.ms}. A request a leader leaves
 * unanswered is not waited out: while it is out, the metadata is asked of other brokers every quarter
 * of {@code request.timeout.ms}, and once another broker leads one of its partitions the request is
 * abandoned and its batches go there ({@link SlowRequestWatch}).
 *
 * <p>Ordering: at most one batch per partition is in flight, so retries never reorder a
 * partition's records. With idempotence (the default) the producer takes a producer id from the
 * cluster and numbers each partition's batches; a retried batch carries the same numbers, so a
 * leader that already wrote it answers with the original offsets instead of writing it twice, and
 * that holds across leader failover (followers replicate the producer state with the data).
 *
 * <p>Structure: this class is the public face (send, flush, close); {@link RecordAccumulator}
 * holds the queued batches, {@link Sender} ships them from its own thread, and
 * {@link ClusterMetadata} knows the partition leaders.
 *
 * <p>Thread-safety: {@link #send}, {@link #flush} and {@link #close} are safe from any thread.
 */
public final class RunnelProducer implements Closeable {
    private final ProducerConfig config;
    private final Bootstrap bootstrap;
    private final ClusterMetadata metadata;
    private final RecordAccumulator accumulator;
    private final Thread sender;
    /** Runs the {@link SlowRequestWatch} checks (blocking metadata calls), off the sender thread. */
    private final ScheduledExecutorService watchThread;

    public RunnelProducer(ProducerConfig config) {
        this(config, new ClientInterceptor[0]);
    }

    /** @param interceptors applied to every produce call (tracing, authentication, fault injection in tests) */
    public RunnelProducer(ProducerConfig config, ClientInterceptor... interceptors) {
        this(config, null, interceptors);
    }

    /**
     * @param tls          null for plaintext, else the CA (and client certificate) to connect with
     * @param interceptors applied to every produce call
     */
    public RunnelProducer(ProducerConfig config, TlsFiles tls, ClientInterceptor... interceptors) {
        this.config = config;
        this.bootstrap = new Bootstrap(config.bootstrapServers(), tls);
        this.metadata = new ClusterMetadata(bootstrap);
        this.accumulator = new RecordAccumulator(config, metadata);
        this.watchThread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "runnel-producer-slow-requests");
            t.setDaemon(true);
            return t;
        });
        this.sender = new Thread(new Sender(config, bootstrap, metadata, accumulator, interceptors,
            new SlowRequestWatch(metadata, watchThread, config.requestTimeoutMs())), "runnel-producer-sender");
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
        if (accumulator.isClosing()) {
            throw new IllegalStateException("producer is closed");
        }
        CompletableFuture<RecordMetadata> future = new CompletableFuture<>();
        long sentMs = System.currentTimeMillis();
        TopicMetadata topic = knownTopic(record);
        int size = 64 + (record.key() == null ? 0 : record.key().length) + (record.value() == null ? 0 : record.value().length);
        try {
            if (!accumulator.reserve(size)) {
                future.completeExceptionally(new ProduceException(ErrorCode.REQUEST_TIMED_OUT,
                    "buffer.memory stayed full for delivery.timeout.ms"));
                return future;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            future.completeExceptionally(e);
            return future;
        }
        accumulator.add(record, future, size, topic, sentMs + config.deliveryTimeoutMs());
        return future;
    }

    /**
     * The record's topic if metadata has it with the record's partition, refreshing once if not;
     * null if not (unknown yet, or no broker answered), and the record then waits for it in the
     * accumulator.
     */
    private TopicMetadata knownTopic(ProducerRecord record) {
        TopicMetadata t = metadata.topic(record.topic());
        if (!RecordAccumulator.covers(t, record)
            || metadata.isStale() && t.getPartitionsList().stream().anyMatch(p -> p.getLeaderId() < 0)) {
            if (!metadata.refreshQuietly()) {
                return null;
            }
            t = metadata.topic(record.topic());
        }
        return RecordAccumulator.covers(t, record) ? t : null;
    }

    /** Sends every queued record now and waits until each is acknowledged or failed. */
    public void flush() {
        List<CompletableFuture<RecordMetadata>> pending = accumulator.startFlush();
        CompletableFuture.allOf(pending.toArray(new CompletableFuture[0])).exceptionally(e -> null).join();
        accumulator.endFlush();
    }

    /** Sends everything queued, waits for the answers, then releases connections. Idempotent. */
    @Override
    public void close() {
        if (accumulator.isClosing()) {
            return;
        }
        flush();
        accumulator.close();
        try {
            sender.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        watchThread.shutdownNow();
        bootstrap.close();
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
