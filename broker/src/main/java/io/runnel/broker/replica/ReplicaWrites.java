package io.runnel.broker.replica;

import io.runnel.broker.auth.AuthorizationException;
import io.runnel.broker.partition.Partition;
import io.runnel.broker.partition.PartitionException;
import io.runnel.broker.partition.TopicPartition;
import io.runnel.broker.purgatory.DelayedOperationPurgatory;
import io.runnel.broker.replica.ReplicaManager.Hosted;
import io.runnel.log.InvalidOffsetException;
import io.runnel.log.LogAppendInfo;
import io.runnel.log.ValidatedBatches;
import io.runnel.record.CorruptBatchException;
import io.runnel.record.RecordBatchLayout;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The produce path of {@link ReplicaManager}: checks batch sizes, validates each batch once,
 * hands the validated batches to the caller's {@link ProduceAdmission}, appends to the partitions this broker leads, parks acks=all produces in the produce purgatory
 * until the ISR has the records, and wakes the long polls new data can answer. ReplicaManager
 * shares its partition map and both purgatories with this class.
 *
 * <p>Thread-safety: safe from any thread, as ReplicaManager's public methods are; it holds no lock
 * of its own (the partition map is concurrent, partitions serialize their own appends).
 */
final class ReplicaWrites {
    private final ConcurrentHashMap<TopicPartition, Hosted> partitions;
    private final DelayedOperationPurgatory<TopicPartition> producePurgatory;
    private final DelayedOperationPurgatory<TopicPartition> fetchPurgatory;
    private final LogDirHealth health;

    /** @param partitions ReplicaManager's live map of hosted replicas (read, never changed here) */
    ReplicaWrites(ConcurrentHashMap<TopicPartition, Hosted> partitions, DelayedOperationPurgatory<TopicPartition> producePurgatory,
                  DelayedOperationPurgatory<TopicPartition> fetchPurgatory, LogDirHealth health) {
        this.partitions = partitions;
        this.producePurgatory = producePurgatory;
        this.fetchPurgatory = fetchPurgatory;
        this.health = health;
    }

    /**
     * Appends producers' batches to the partitions this broker leads.
     *
     * @param acks      0 or 1: answer after the leader's append; -1: after the ISR has the records
     * @param admission checks each partition's validated batches before they are appended
     * @return per-partition results; every partition in the request gets one
     * @throws IllegalArgumentException for acks other than -1, 0, 1 or a negative timeout
     */
    CompletableFuture<Map<TopicPartition, ProduceResult>> appendRecords(int acks, long timeoutMs,
                                                                        Map<TopicPartition, ByteBuffer> batches,
                                                                        ProduceAdmission admission) {
        if (acks < -1 || acks > 1) {
            throw new IllegalArgumentException("acks must be -1 (all), 0 or 1, got " + acks);
        }
        if (timeoutMs < 0) {
            throw new IllegalArgumentException("timeout must be >= 0 ms, got " + timeoutMs);
        }
        Map<TopicPartition, ProduceResult> results = new LinkedHashMap<>();
        Map<TopicPartition, Long> waitFor = new HashMap<>();
        Map<TopicPartition, Partition> involved = new HashMap<>();
        Map<TopicPartition, Integer> minIsr = new HashMap<>();
        for (Map.Entry<TopicPartition, ByteBuffer> e : batches.entrySet()) {
            TopicPartition tp = e.getKey();
            Hosted hosted = partitions.get(tp);
            if (hosted == null) {
                results.put(tp, ProduceResult.failed(ReplicaManager.missing(tp)));
                continue;
            }
            Partition p = hosted.partition();
            try {
                health.check(tp);
                checkBatchSizes(tp, e.getValue(), hosted.config().maxMessageBytes());
                // Every batch is checked whole (CRC, producer fields) before producer state or the ISR is consulted.
                ValidatedBatches validated = ValidatedBatches.check(e.getValue());
                admission.admit(validated);
                LogAppendInfo info = p.appendRecordsAsLeader(validated, acks == -1, hosted.config().minInsyncReplicas());
                results.put(tp, new ProduceResult(acks == 0 ? -1 : info.firstOffset(), p.log().logStartOffset(), null));
                if (acks == -1) {
                    waitFor.put(tp, info.lastOffset() + 1);
                    involved.put(tp, p);
                    minIsr.put(tp, hosted.config().minInsyncReplicas());
                }
                // New data: followers' long polls can answer; a single-replica ISR moved the watermark.
                fetchPurgatory.checkAndComplete(tp);
            } catch (PartitionException | CorruptBatchException | IllegalArgumentException
                     | InvalidOffsetException | AuthorizationException ex) {
                results.put(tp, ProduceResult.failed(ex));
            } catch (RuntimeException ex) {
                // An I/O error takes the directory offline (KAFKA_STORAGE_ERROR); anything else fails
                // this partition alone: the others of the request may be appended already.
                results.put(tp, ProduceResult.failed(health.onError(tp, ex)));
            }
        }
        CompletableFuture<Map<TopicPartition, ProduceResult>> response = new CompletableFuture<>();
        if (waitFor.isEmpty()) {
            response.complete(results);
            return response;
        }
        DelayedProduce delayed = new DelayedProduce(timeoutMs, waitFor, involved, minIsr, results, response, health,
            partitions);
        producePurgatory.tryCompleteElseWatch(delayed, waitFor.keySet());
        return response;
    }

    /**
     * Refuses a batch larger than max.message.bytes before the batches are validated, so an
     * oversized batch costs no CRC pass. A length field is trusted only when the bytes it claims
     * were sent: a length beyond the buffer (text, a truncated or shifted buffer) is a corrupt batch,
     * not a large one.
     */
    private static void checkBatchSizes(TopicPartition tp, ByteBuffer batches, int maxMessageBytes) {
        for (int at = batches.position(); at + RecordBatchLayout.LOG_OVERHEAD <= batches.limit(); ) {
            long size = (long) RecordBatchLayout.LOG_OVERHEAD
                + batches.getInt(at + RecordBatchLayout.LENGTH_OFFSET);
            if (size > batches.limit() - at) {
                int position = at - batches.position();
                throw new CorruptBatchException("Truncated or corrupt record batch at position " + position
                    + " of " + tp + ": its length field says " + size + " bytes, only " + (batches.limit() - at)
                    + " were sent", position);
            }
            if (size > maxMessageBytes) {
                throw new RecordTooLargeException(tp, (int) size, maxMessageBytes);
            }
            if (size <= RecordBatchLayout.LOG_OVERHEAD) {
                return; // a bad length: batch validation names the fault
            }
            at += (int) size;
        }
    }
}
