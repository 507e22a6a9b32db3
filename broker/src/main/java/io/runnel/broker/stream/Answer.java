package io.runnel.broker.stream;

import io.grpc.stub.StreamObserver;

/** The observer of a unary call made by a session: only the answer or the failure matters. */
abstract class Answer<T> implements StreamObserver<T> {
    @Override
    public void onCompleted() {
    }
}
