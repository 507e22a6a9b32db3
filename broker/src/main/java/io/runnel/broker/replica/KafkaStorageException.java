package io.runnel.broker.replica;

import io.runnel.broker.partition.PartitionException;
import io.runnel.broker.partition.TopicPartition;

/**
 * The log directory holding the partition is offline ({@link LogDirHealth}): a write, flush or
 * read there failed with an I/O error. Retriable: the controller moves leadership to another
 * in-sync replica (KAFKA_STORAGE_ERROR on the wire).
 */
public final class KafkaStorageException extends PartitionException {
    public KafkaStorageException(TopicPartition tp, String reason) {
        super("The log directory of " + tp + " is offline: " + reason);
    }

    @Override
    public boolean retriable() {
        return true;
    }
}
