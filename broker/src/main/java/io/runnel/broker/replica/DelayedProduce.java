package io.runnel.broker.replica;

import io.runnel.broker.partition.Partition;
import io.runnel.broker.partition.PartitionException;
import io.runnel.broker.partition.TopicPartition;
import io.runnel.broker.purgatory.DelayedOperation;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An acks=all produce waiting for the high watermark of every partition it wrote to to pass its
 * records. Partitions that failed to append are already final in {@code results}.
 */
final class DelayedProduce extends DelayedOperation {
    /** Partition to the offset (exclusive) its high watermark must reach. */
    private final Map<TopicPartition, Long> pending;
    private final Map<TopicPartition, Partition> partitions;
    private final Map<TopicPartition, Integer> minIsr;
    private final Map<TopicPartition, ProduceResult> results;
    private final CompletableFuture<Map<TopicPartition, ProduceResult>> response;

    DelayedProduce(long timeoutMs, Map<TopicPartition, Long> waitFor, Map<TopicPartition, Partition> partitions,
                   Map<TopicPartition, Integer> minIsr, Map<TopicPartition, ProduceResult> results,
                   CompletableFuture<Map<TopicPartition, ProduceResult>> response) {
        super(timeoutMs);
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
