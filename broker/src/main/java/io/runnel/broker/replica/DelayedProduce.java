package io.runnel.broker.replica;

import io.runnel.broker.partition.Partition;
import io.runnel.broker.partition.PartitionException;
import io.runnel.broker.partition.PartitionException.NotLeaderException;
import io.runnel.broker.partition.TopicPartition;
import io.runnel.broker.purgatory.DelayedOperation;
import io.runnel.broker.replica.ReplicaManager.Hosted;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An acks=all produce waiting for the high watermark of every partition it wrote to to pass its
 * records. Partitions that failed to append are already final in {@code results}. If the data
 * directory goes offline meanwhile ({@link LogDirHealth}: the watermark will not move here again),
 * the partitions still waiting are answered at once with KAFKA_STORAGE_ERROR (retriable: the
 * producer retries on the new leader; an idempotent one is deduplicated there), not after the
 * request's timeout. So are partitions this broker stops hosting meanwhile (the replica moved
 * away or the topic was deleted, {@link ReplicaManager#removePartition}): their watermark will not
 * move here either, and they answer NOT_LEADER at once.
 */
final class DelayedProduce extends DelayedOperation {
    /** Partition to the offset (exclusive) its high watermark must reach. */
    private final Map<TopicPartition, Long> pending;
    private final Map<TopicPartition, Partition> partitions;
    private final Map<TopicPartition, Integer> minIsr;
    private final Map<TopicPartition, ProduceResult> results;
    private final CompletableFuture<Map<TopicPartition, ProduceResult>> response;
    private final LogDirHealth health;
    /** The broker's live map of hosted replicas (only read). */
    private final Map<TopicPartition, Hosted> hosted;

    DelayedProduce(long timeoutMs, Map<TopicPartition, Long> waitFor, Map<TopicPartition, Partition> partitions,
                   Map<TopicPartition, Integer> minIsr, Map<TopicPartition, ProduceResult> results,
                   CompletableFuture<Map<TopicPartition, ProduceResult>> response, LogDirHealth health,
                   Map<TopicPartition, Hosted> hosted) {
        super(timeoutMs);
        this.health = health;
        this.hosted = hosted;
        this.pending = new ConcurrentHashMap<>(waitFor);
        this.partitions = partitions;
        this.minIsr = minIsr;
        this.results = new ConcurrentHashMap<>(results);
        this.response = response;
    }

    @Override
    public boolean tryComplete() {
        for (Map.Entry<TopicPartition, Long> e : pending.entrySet()) {
            TopicPartition tp = e.getKey();
            try {
                health.check(tp);
                Hosted now = hosted.get(tp);
                if (now == null || now.partition() != partitions.get(tp)) {
                    throw new NotLeaderException(tp, -1, -1);
                }
                if (partitions.get(tp).checkEnoughReplicasReachOffset(e.getValue(), minIsr.get(tp))) {
                    pending.remove(tp);
                }
            } catch (PartitionException.NotEnoughReplicasException error) {
                // The records are in the leader's log: a retry may duplicate them, so say so.
                results.put(tp, ProduceResult.failed(new NotEnoughReplicasAfterAppendException(error.getMessage())));
                pending.remove(tp);
            } catch (RuntimeException error) {
                results.put(tp, ProduceResult.failed(error));
                pending.remove(tp);
            }
        }
        return pending.isEmpty() && forceComplete();
    }

    @Override
    protected void onExpiration() {
        for (Map.Entry<TopicPartition, Long> e : pending.entrySet()) {
            TopicPartition tp = e.getKey();
            results.put(tp, ProduceResult.failed(new RequestTimedOutException(tp, e.getValue(),
                partitions.get(tp).highWatermark(), timeoutMs())));
        }
    }

    @Override
    protected void onComplete() {
        response.complete(Map.copyOf(results));
    }
}
