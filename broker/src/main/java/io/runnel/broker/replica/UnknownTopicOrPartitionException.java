package io.runnel.broker.replica;

import io.runnel.broker.partition.PartitionException;
import io.runnel.broker.partition.TopicPartition;

/** This broker hosts no replica of the partition (it does not exist, or metadata has not arrived). */
public final class UnknownTopicOrPartitionException extends PartitionException {
    public UnknownTopicOrPartitionException(TopicPartition tp) {
        super("This broker has no replica of " + tp);
    }

    @Override
    public boolean retriable() {
        return true;
    }
}
