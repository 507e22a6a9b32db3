package io.runnel.broker.node;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The answers of one gRPC stream as a test sees them: every message received, in order, and how
 * the stream ended (null while it is open). Safe to read from the test thread while gRPC writes.
 *
 * @param <R> the response type
 */
public class RecordingStream<R> implements StreamObserver<R> {
    public final List<R> received = new CopyOnWriteArrayList<>();
    public final AtomicReference<Status> ended = new AtomicReference<>();

    @Override
    public void onNext(R value) {
        received.add(value);
    }

    @Override
    public void onError(Throwable t) {
        ended.set(Status.fromThrowable(t));
    }

    @Override
    public void onCompleted() {
        ended.set(Status.OK);
    }
}
