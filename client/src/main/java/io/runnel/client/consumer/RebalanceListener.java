package io.runnel.client.consumer;

import io.runnel.client.common.TopicPartition;
import java.util.Collection;

/**
 * Called from {@link RunnelConsumer#poll} on the consumer's thread when the group moves
 * partitions. Revocation comes first, and the coordinator gives a revoked partition to another
 * member only after this consumer reports it released, so offsets committed in
 * {@link #onPartitionsRevoked} are the ones the next owner starts from.
 */
public interface RebalanceListener {
    RebalanceListener NONE = new RebalanceListener() {
    };

    /** Partitions taken away; with auto commit their positions were already committed. */
    default void onPartitionsRevoked(Collection<TopicPartition> partitions) {
    }

    /** Partitions given to this consumer; positions start at the committed offsets. */
    default void onPartitionsAssigned(Collection<TopicPartition> partitions) {
    }

    /**
     * Partitions this consumer was removed from without a revocation (its session expired or it
     * was fenced): another member may own them already, so nothing is committed for them.
     */
    default void onPartitionsLost(Collection<TopicPartition> partitions) {
        onPartitionsRevoked(partitions);
    }
}
