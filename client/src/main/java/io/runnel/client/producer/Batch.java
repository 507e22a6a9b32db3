package io.runnel.client.producer;

import io.runnel.client.common.TopicPartition;
import io.runnel.record.RecordBatchBuilder;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One partition's batch in the producer: records appended, then built once and sent (and re-sent
 * on retry). Thread-safety: not thread-safe; read and written under the {@link RecordAccumulator}'s
 * lock, except the fields the sender reads after {@link RecordAccumulator#drain} handed it out.
 */
final class Batch {
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
    /** Sent and not answered yet. */
    boolean inFlight;
    /** The last attempt went out while an older batch of the partition was unanswered. */
    boolean sentBehindOthers;
    /** The number of its partition's sends this send was ({@link PartitionQueue#sent}): its place in the pipeline window. */
    long sendIndex;
    /** Its numbers (with idempotence, once built), or null. */
    PartitionSequences.Stamp stamp;

    Batch(TopicPartition tp, RecordBatchBuilder builder, long now, long deliveryTimeoutMs) {
        this.tp = tp;
        this.builder = builder;
        this.createdMs = now;
        this.deadlineMs = now + deliveryTimeoutMs;
    }
}
