package io.runnel.client.consumer;

import io.grpc.ClientInterceptor;
import io.runnel.grpc.AliasingMarshaller;
import io.runnel.client.common.Bootstrap;
import io.runnel.client.common.ClusterMetadata;
import io.runnel.client.common.TopicPartition;
import io.runnel.proto.v1.BrokerInfo;
import io.runnel.proto.v1.FetchPartition;
import io.runnel.proto.v1.FetchPartitionResponse;
import io.runnel.proto.v1.FetchRequest;
import io.runnel.proto.v1.FetchTopic;
import io.runnel.proto.v1.FetchTopicResponse;
import io.runnel.record.Record;
import io.runnel.record.RecordBatch;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The consumer's background fetching: a thread that long-polls each leader for the partitions it
 * leads, from the targets the consumer last {@linkplain #retarget set}, and queues what comes back
 * as {@link Chunk}s (checking every batch's CRC). Each call of {@link #retarget} starts a new
 * numbered generation of targets; every chunk carries the generation it was fetched for and the
 * offset it starts at, so the consumer can drop chunks of an older generation (issue 12). A fetch
 * answered with an error is retried after a backoff and a metadata refresh; an out-of-range
 * position is queued as such and not fetched again until the consumer retargets.
 *
 * <p>Thread-safety: {@link #retarget}, {@link #generation}, {@link #poll} and {@link #close} are
 * safe from any thread (the consumer calls them from its one thread). The targets are an immutable
 * snapshot behind a volatile reference; the fetch thread alone owns where each partition's next
 * fetch starts; chunks pass through a bounded blocking queue, which holds the fetch thread back
 * while the application is behind.
 */
final class Fetcher {
    private static final long RETRY_BACKOFF_MS = 100;

    /** Records of one partition from {@code fromOffset}, or an out-of-range answer, fetched for targets {@code generation}. */
    record Chunk(long generation, TopicPartition tp, long fromOffset, List<ConsumerRecord> records, long nextOffset,
                 boolean outOfRange) {
    }

    /** An immutable snapshot of fetch starting points, numbered so the fetcher notices a new one. */
    private record Targets(long generation, Map<TopicPartition, Long> positions) {
    }

    /**
     * Bytes one partition returns per fetch at most (Kafka's {@code max.partition.fetch.bytes}
     * default; a batch larger than this still comes whole). Larger answers cost more than they
     * save: with 8 MiB per answer gRPC's Netty pools allocated, zeroed and freed fresh chunks for
     * each one, on both ends, and workload d read at half the speed of 1 MiB answers with four
     * times the broker CPU (docs/performance.md).
     */
    static final int MAX_PARTITION_FETCH_BYTES = 1 << 20;

    private final ClusterMetadata metadata;
    private final int fetchMaxBytes;
    private final FetchStreams streams;
    private final BlockingQueue<Chunk> fetched = new LinkedBlockingQueue<>(32);
    private volatile Targets published = new Targets(0, Map.of());
    private volatile boolean closed;
    private final Thread thread;

    Fetcher(Bootstrap bootstrap, ClusterMetadata metadata, int fetchMaxBytes, ClientInterceptor[] interceptors) {
        this.metadata = metadata;
        this.fetchMaxBytes = fetchMaxBytes;
        this.streams = new FetchStreams(bootstrap, interceptors);
        this.thread = new Thread(this::run, "runnel-consumer-fetcher");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /**
     * Fetches exactly these partitions from these offsets from now on, as a new generation; chunks
     * already queued or in flight belong to the old one.
     */
    void retarget(Map<TopicPartition, Long> startAt) {
        published = new Targets(published.generation() + 1, Map.copyOf(startAt));
    }

    /** The generation of the targets last set; a chunk of another one is stale. */
    long generation() {
        return published.generation();
    }

    /** The next queued chunk, waiting up to {@code waitNanos} (not at all if 0 or less); null if none. */
    Chunk poll(long waitNanos) throws InterruptedException {
        return waitNanos > 0 ? fetched.poll(waitNanos, TimeUnit.NANOSECONDS) : fetched.poll();
    }

    /** Stops the fetch thread, ending a fetch in progress, and waits for it. */
    void close() {
        closed = true;
        streams.close();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(35));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        long seenGeneration = -1;
        Map<TopicPartition, Long> next = new HashMap<>();
        while (!closed) {
            Targets targets = published;
            if (targets.generation() != seenGeneration) {
                seenGeneration = targets.generation();
                next = new HashMap<>(targets.positions());
            }
            if (next.isEmpty()) {
                idle(50);
                continue;
            }
            Map<Integer, List<TopicPartition>> byLeader = new HashMap<>();
            for (TopicPartition tp : next.keySet()) {
                BrokerInfo leader = metadata.leader(tp);
                if (leader == null) {
                    metadata.refreshQuietly();
                    continue;
                }
                byLeader.computeIfAbsent(leader.getId(), id -> new ArrayList<>()).add(tp);
            }
            if (byLeader.isEmpty()) {
                idle(100);
                continue;
            }
            int waitMs = byLeader.size() == 1 ? 500 : 100;
            for (Map.Entry<Integer, List<TopicPartition>> e : byLeader.entrySet()) {
                if (published.generation() != seenGeneration || closed) {
                    break;
                }
                fetchFrom(seenGeneration, e.getKey(), e.getValue(), next, waitMs);
            }
        }
    }

    /** Waits on the fetch thread: nothing to fetch, or backing off before a retry. */
    private static void idle(long ms) {
        try {
            TimeUnit.MILLISECONDS.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void fetchFrom(long generation, int brokerId, List<TopicPartition> tps, Map<TopicPartition, Long> next, int waitMs) {
        BrokerInfo broker = metadata.broker(brokerId);
        if (broker == null) {
            metadata.refreshQuietly();
            return;
        }
        Map<String, FetchTopic.Builder> topics = new LinkedHashMap<>();
        for (TopicPartition tp : tps) {
            if (next.get(tp) < 0) {
                continue; // out of range: waits for the consumer thread to reposition it
            }
            topics.computeIfAbsent(tp.topic(), t -> FetchTopic.newBuilder().setTopic(t)).addPartitions(FetchPartition.newBuilder()
                .setPartition(tp.partition()).setFetchOffset(next.get(tp)).setCurrentLeaderEpoch(-1)
                .setPartitionMaxBytes(Math.min(fetchMaxBytes, MAX_PARTITION_FETCH_BYTES)));
        }
        if (topics.isEmpty()) {
            idle(50);
            return;
        }
        FetchRequest.Builder request = FetchRequest.newBuilder().setMaxWaitMs(waitMs).setMinBytes(1).setMaxBytes(fetchMaxBytes);
        topics.values().forEach(request::addTopics);
        List<FetchTopicResponse> response;
        try {
            response = streams.fetch(broker, request.build(), waitMs + 30_000L).getTopicsList();
        } catch (RuntimeException e) {
            metadata.refreshQuietly();
            idle(RETRY_BACKOFF_MS);
            return;
        }
        boolean failed = false;
        for (FetchTopicResponse t : response) {
            for (FetchPartitionResponse p : t.getPartitionsList()) {
                TopicPartition tp = new TopicPartition(t.getTopic(), p.getPartition());
                long from = next.get(tp);
                switch (p.getError()) {
                    case NONE -> {
                        if (p.getRecordBatches().isEmpty()) {
                            continue;
                        }
                        List<ConsumerRecord> records = new ArrayList<>();
                        // The answer's own array (AliasingMarshaller): CRC32C copies a read-only buffer out first.
                        long nextOffset = decode(tp, from, AliasingMarshaller.writableView(p.getRecordBatches()), records);
                        next.put(tp, nextOffset);
                        offer(new Chunk(generation, tp, from, records, nextOffset, false));
                    }
                    case OFFSET_OUT_OF_RANGE -> {
                        next.put(tp, -1L);
                        offer(new Chunk(generation, tp, from, List.of(), from, true));
                    }
                    default -> failed = true; // retriable or not, refetch after a backoff and fresh metadata
                }
            }
        }
        if (failed) {
            metadata.refreshQuietly();
            idle(RETRY_BACKOFF_MS); // an erring broker answers at once: without it this loop would spin
        }
    }

    private void offer(Chunk chunk) {
        try {
            while (!closed && !fetched.offer(chunk, 100, TimeUnit.MILLISECONDS)) {
                // the application is behind: hold this fetch until poll makes room
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static long decode(TopicPartition tp, long from, ByteBuffer batches, List<ConsumerRecord> out) {
        long position = from;
        RecordBatch batch = new RecordBatch();
        for (int at = 0; at < batches.limit(); ) {
            int size = RecordBatch.validateFraming(batches, at, batches.limit() - at, at);
            batch.wrap(batches, at, at);
            batch.validate();
            for (Record r : batch.records()) {
                if (r.offset() >= from) {
                    out.add(new ConsumerRecord(tp.topic(), tp.partition(), r.offset(), r.timestamp(), r.key(), r.value(), r.headers()));
                }
            }
            position = Math.max(position, batch.nextOffset());
            at += size;
        }
        return position;
    }
}
