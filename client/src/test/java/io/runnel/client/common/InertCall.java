package io.runnel.client.common;

import io.grpc.ClientCall;

/**
 * A client call for tests' interceptors that stands in for a real one: it sends nothing and does
 * nothing when asked for messages, cancelled or half-closed; a subclass says in {@link #start}
 * what the caller sees (usually a close with a status).
 */
public abstract class InertCall<Q, A> extends ClientCall<Q, A> {
    @Override
    public void request(int numMessages) {
    }

    @Override
    public void cancel(String message, Throwable cause) {
    }

    @Override
    public void halfClose() {
    }

    @Override
    public void sendMessage(Q message) {
    }
}
