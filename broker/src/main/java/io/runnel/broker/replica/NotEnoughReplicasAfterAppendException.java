package io.runnel.broker.replica;

import io.runnel.broker.partition.PartitionException;

/** acks=all: written by the leader, but the ISR fell below min.insync.replicas before it was replicated. */
public final class NotEnoughReplicasAfterAppendException extends PartitionException {
    public NotEnoughReplicasAfterAppendException(String detail) {
        super("Appended, but " + detail);
    }

    @Override
    public boolean retriable() {
        return true;
    }
}
