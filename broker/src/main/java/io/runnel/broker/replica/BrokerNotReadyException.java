package io.runnel.broker.replica;

import io.runnel.broker.partition.PartitionException;

/**
 * This broker has not caught up with the metadata log yet (see
 * {@link io.runnel.broker.metadata.MetadataReadiness}), so it cannot tell whether it hosts the
 * partition: LEADER_NOT_AVAILABLE on the wire, retriable.
 */
public final class BrokerNotReadyException extends PartitionException {
    public BrokerNotReadyException(String message) {
        super(message);
    }

    @Override
    public boolean retriable() {
        return true;
    }
}
