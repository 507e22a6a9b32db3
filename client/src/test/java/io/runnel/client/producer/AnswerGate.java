package io.runnel.client.producer;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.runnel.client.common.InertCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.runnel.proto.v1.BrokerGrpc;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.PartitionProduceResponse;
import io.runnel.proto.v1.ProduceRequest;
import io.runnel.proto.v1.ProduceResponse;
import io.runnel.proto.v1.TopicProduceData;
import io.runnel.proto.v1.TopicProduceResponse;
import java.util.ArrayList;
import java.util.List;

/**
 * Holds the answers of the producer's produce calls while {@linkplain #arm armed}, so that a test
 * knows how many batches are in flight (none is answered, so the producer cannot send more than it
 * may), and settles the first held call as its {@link Fault} says when {@linkplain #release
 * released}; the other held answers then arrive in the order the calls were made. The calls
 * themselves go to the real broker (except the first one under {@link Fault#NOT_SENT} and
 * {@link Fault#REFUSED}).
 *
 * <p>Thread-safety: safe from any thread.
 */
final class AnswerGate implements ClientInterceptor {
    /** What happens to the first produce call made while armed. */
    enum Fault {
        /** Nothing: its real answer is held like the others'. */
        NONE,
        /** It never reaches the broker and fails as a refused connection (retriable, not written). */
        NOT_SENT,
        /** It reaches the broker, which writes it, but its answer is lost (retriable, possibly written). */
        ANSWER_LOST,
        /** It never reaches the broker and is answered CORRUPT_RECORD (not retriable, not written). */
        REFUSED
    }

    private final Fault fault;
    private final List<Held> held = new ArrayList<>();
    private boolean armed;

    AnswerGate(Fault fault) {
        this.fault = fault;
    }

    synchronized void arm() {
        armed = true;
    }

    /** Produce calls made since {@link #arm}. */
    synchronized int held() {
        return held.size();
    }

    /** Disarms; settles the first held call (per the fault), then delivers the others' answers. */
    void release() {
        List<Held> calls;
        synchronized (this) {
            armed = false;
            calls = List.copyOf(held);
        }
        calls.forEach(Held::release);
    }

    @Override
    public <Q, A> ClientCall<Q, A> interceptCall(MethodDescriptor<Q, A> method, CallOptions options, Channel next) {
        if (!method.getFullMethodName().equals(BrokerGrpc.getProduceMethod().getFullMethodName())) {
            return next.newCall(method, options);
        }
        synchronized (this) {
            if (!armed) {
                return next.newCall(method, options);
            }
            Fault now = held.isEmpty() ? fault : Fault.NONE;
            Held call = new Held(now);
            held.add(call);
            if (now == Fault.NOT_SENT || now == Fault.REFUSED) {
                return new Unsent<>(call);
            }
            return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
                @Override
                public void start(Listener<A> listener, Metadata headers) {
                    super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                        @Override
                        public void onHeaders(Metadata h) {
                            call.event(() -> super.onHeaders(h));
                        }

                        @Override
                        public void onMessage(A message) {
                            call.event(() -> super.onMessage(message));
                        }

                        @Override
                        public void onClose(Status status, Metadata trailers) {
                            call.event(() -> super.onClose(status, trailers));
                        }
                    }, headers);
                    call.lost(() -> listener.onClose(Status.UNAVAILABLE.withDescription("injected: answer lost"), new Metadata()));
                }
            };
        }
    }

    /** One call's answer events, buffered until released. */
    private static final class Held {
        private final Fault fault;
        private final List<Runnable> events = new ArrayList<>();
        private Runnable instead;
        private boolean released;

        Held(Fault fault) {
            this.fault = fault;
        }

        synchronized void lost(Runnable onLost) {
            if (fault == Fault.ANSWER_LOST) {
                instead = onLost;
            }
        }

        synchronized void settleWith(Runnable outcome) {
            instead = outcome;
        }

        void event(Runnable e) {
            synchronized (this) {
                if (!released) {
                    events.add(e);
                    return;
                }
                if (instead != null) {
                    return; // replaced by the fault's outcome
                }
            }
            e.run();
        }

        void release() {
            List<Runnable> now;
            Runnable replacement;
            synchronized (this) {
                released = true;
                now = List.copyOf(events);
                replacement = instead;
            }
            if (replacement != null) {
                replacement.run(); // the real answer, if any, is dropped
            } else {
                now.forEach(Runnable::run);
            }
        }
    }

    /** The first call under NOT_SENT or REFUSED: nothing reaches the broker. */
    private static final class Unsent<Q, A> extends InertCall<Q, A> {
        private final Held call;
        private Listener<A> listener;

        Unsent(Held call) {
            this.call = call;
        }

        @Override
        public void start(Listener<A> l, Metadata headers) {
            listener = l;
            if (call.fault == Fault.NOT_SENT) {
                call.settleWith(() -> listener.onClose(Status.UNAVAILABLE.withDescription("injected: connection refused"),
                    new Metadata()));
            }
        }

        @Override
        @SuppressWarnings("unchecked")
        public void sendMessage(Q message) {
            if (call.fault == Fault.REFUSED) {
                ProduceResponse refused = refusal((ProduceRequest) message);
                call.settleWith(() -> {
                    listener.onMessage((A) refused);
                    listener.onClose(Status.OK, new Metadata());
                });
            }
        }

        /** CORRUPT_RECORD for the request's partition (the tests produce to one). */
        private static ProduceResponse refusal(ProduceRequest request) {
            TopicProduceData produced = request.getTopics(0);
            return ProduceResponse.newBuilder().addTopics(TopicProduceResponse.newBuilder().setTopic(produced.getTopic())
                .addPartitions(PartitionProduceResponse.newBuilder().setPartition(produced.getPartitions(0).getPartition())
                    .setError(ErrorCode.CORRUPT_RECORD).setErrorMessage("injected"))).build();
        }
    }
}
