package io.runnel.broker.replica;

import io.runnel.broker.partition.PartitionException;
import io.runnel.broker.partition.TopicPartition;

/** A batch larger than the topic's max.message.bytes, or than a limit of the broker's named in the message. */
public final class RecordTooLargeException extends PartitionException {
    public RecordTooLargeException(TopicPartition tp, int batchBytes, int maxMessageBytes) {
        super("A batch of " + batchBytes + " bytes for " + tp + " exceeds max.message.bytes " + maxMessageBytes);
    }

    /** @param message names the batch, the limit and the setting behind it */
    public RecordTooLargeException(String message) {
        super(message);
    }

    @Override
    public boolean retriable() {
        return false;
    }
}
