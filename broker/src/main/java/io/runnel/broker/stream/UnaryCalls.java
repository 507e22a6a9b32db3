package io.runnel.broker.stream;

import io.grpc.Context;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/** Unary gRPC calls made by the sessions, as futures (completed on the channel's executor). */
final class UnaryCalls {
    private UnaryCalls() {
    }

    /**
     * Starts {@code call} with an observer that completes the returned future with its answer or
     * failure. The call starts in the root gRPC context, not in the one of the client's stream
     * the session serves (current when the session reacts to the client): that context carries the
     * client's deadline and is cancelled when the stream ends or breaks, which cancelled the commit
     * and the leave the broker makes for a stream at its end.
     */
    static <T> CompletableFuture<T> call(Consumer<StreamObserver<T>> call) {
        CompletableFuture<T> answer = new CompletableFuture<>();
        Context.ROOT.run(() -> call.accept(new StreamObserver<>() {
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
        }));
        return answer;
    }
}
