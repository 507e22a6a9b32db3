package io.runnel.broker.stream;

import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/** Unary gRPC calls made by the sessions, as futures (completed on the channel's executor). */
final class UnaryCalls {
    private UnaryCalls() {
    }

    /** Starts {@code call} with an observer that completes the returned future with its answer or failure. */
    static <T> CompletableFuture<T> call(Consumer<StreamObserver<T>> call) {
        CompletableFuture<T> answer = new CompletableFuture<>();
        call.accept(new StreamObserver<>() {
            @Override
            public void onNext(T value) {
                answer.complete(value);
            }

            @Override
            public void onError(Throwable t) {
                answer.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
                answer.completeExceptionally(new IllegalStateException("the call completed without an answer"));
            }
        });
        return answer;
    }
}
