package io.runnel.client.e2e;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.awaitility.Awaitility;

/** What a stream answered, in order: its messages, then a Throwable if it failed. */
final class StreamAnswers<T> implements StreamObserver<T> {
    final List<Object> received = new CopyOnWriteArrayList<>();

    @Override
    public void onNext(T value) {
        received.add(value);
    }

    @Override
    public void onError(Throwable t) {
        received.add(t);
    }

    @Override
    public void onCompleted() {
    }

    /** The status the stream ended with, waiting for it. */
    Status failure() {
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> received.stream().anyMatch(r -> r instanceof Throwable));
        return Status.fromThrowable((Throwable) received.stream().filter(r -> r instanceof Throwable).findFirst().orElseThrow());
    }

    /** The first answer {@code pick} finds, waiting for it. */
    <R> R first(Function<Object, R> pick) {
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> received.stream().map(pick).anyMatch(Objects::nonNull));
        return received.stream().map(pick).filter(Objects::nonNull).findFirst().orElseThrow();
    }
}
