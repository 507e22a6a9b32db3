package io.runnel.broker.replica;

import io.runnel.broker.partition.PartitionException;
import io.runnel.broker.partition.TopicPartition;

/** acks=all: appended, but the ISR did not replicate it within the request's timeout. */
public final class RequestTimedOutException extends PartitionException {
    public RequestTimedOutException(TopicPartition tp, long requiredOffset, long highWatermark, long timeoutMs) {
        super("Records of " + tp + " up to offset " + (requiredOffset - 1) + " were not replicated to the ISR within "
            + timeoutMs + " ms (high watermark " + highWatermark + ")");
    }

    @Override
    public boolean retriable() {
        return true;
    }
}
