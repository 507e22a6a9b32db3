package io.runnel.broker.grpc;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.function.BiConsumer;

/**
 * The broker's end of one long-lived fetch stream (a follower's ReplicaFetchStream, a consumer's
 * FetchStream): each request is served as the unary call (ReplicaFetch, Fetch) would be and
 * answered by one message on the stream. The next request is read only once the previous one is
 * answered (flow control, not a queue), so answers keep the requests' order and a long poll holds
 * no thread. What would fail the unary call whole fails the stream.
 *
 * @param <R> the request type
 *
 * <p>Answers come from whichever thread completes the fetch (the event loop, or the one whose
 * append woke a long poll); the monitor orders them with the caller's half-close and cancel.
 */
final class InOrderFetchStream<R> implements StreamObserver<R> {
    private final ServerCallStreamObserver<SplicedMessage> responses;
    /** Serves one request the way ReplicaFetch does: one onNext and onCompleted, or one onError. */
    private final BiConsumer<R, StreamObserver<SplicedMessage>> serve;
    private boolean fetching;
    private boolean halfClosed;
    private boolean ended;

    private InOrderFetchStream(ServerCallStreamObserver<SplicedMessage> responses,
                               BiConsumer<R, StreamObserver<SplicedMessage>> serve) {
        this.responses = responses;
        this.serve = serve;
    }

    /**
     * Starts serving a stream: asks for its first request. Call from the method handler (gRPC's
     * {@code ServerCallStreamObserver} is what every server-side response observer is).
     */
    static <R> StreamObserver<R> open(StreamObserver<SplicedMessage> responses,
                                      BiConsumer<R, StreamObserver<SplicedMessage>> serve) {
        ServerCallStreamObserver<SplicedMessage> call = (ServerCallStreamObserver<SplicedMessage>) responses;
        InOrderFetchStream<R> stream = new InOrderFetchStream<>(call, serve);
        call.disableAutoRequest();
        call.setOnCancelHandler(stream::cancelled);
        call.request(1);
        return stream;
    }

    @Override
    public void onNext(R request) {
        synchronized (this) {
            if (ended) {
                return;
            }
            fetching = true;
        }
        serve.accept(request, new Answer());
    }

    /** The caller closed its side: end ours once the fetch in flight, if any, is answered. */
    @Override
    public synchronized void onCompleted() {
        halfClosed = true;
        if (!fetching && !ended) {
            ended = true;
            responses.onCompleted();
        }
    }

    /** The caller's side failed (reset, gone): nothing more is sent. */
    @Override
    public synchronized void onError(Throwable t) {
        ended = true;
    }

    private synchronized void cancelled() {
        ended = true;
    }

    /** Where one request's answer goes. */
    private final class Answer implements StreamObserver<SplicedMessage> {
        @Override
        public void onNext(SplicedMessage answer) {
            synchronized (InOrderFetchStream.this) {
                if (!ended) {
                    responses.onNext(answer);
                }
            }
        }

        @Override
        public void onCompleted() {
            synchronized (InOrderFetchStream.this) {
                fetching = false;
                if (ended) {
                    return;
                }
                if (halfClosed) {
                    ended = true;
                    responses.onCompleted();
                } else {
                    responses.request(1);
                }
            }
        }

        @Override
        public void onError(Throwable t) {
            synchronized (InOrderFetchStream.this) {
                fetching = false;
                if (!ended) {
                    ended = true;
                    responses.onError(t);
                }
            }
        }
    }
}
