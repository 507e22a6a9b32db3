package io.runnel.client.consumer;

/** An offset commit the coordinator refused for good, or that did not succeed in time. */
public final class CommitFailedException extends RuntimeException {
    public CommitFailedException(String message) {
        super(message);
    }
}
