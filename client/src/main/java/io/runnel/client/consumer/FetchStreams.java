package io.runnel.client.consumer;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.runnel.client.common.Bootstrap;
import io.runnel.grpc.AliasingMarshaller;
import io.runnel.proto.v1.BrokerGrpc;
import io.runnel.proto.v1.BrokerInfo;
import io.runnel.proto.v1.FetchRequest;
import io.runnel.proto.v1.FetchResponse;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The consumer's fetches to each broker over one long-lived FetchStream (broker.proto): a request,
 * then its answer, on a stream opened on first use and again after it fails. A fetch then costs no
 * new HTTP/2 stream, headers or deadline timer on either side, which a consumer long-polling for
 * one record at a time (workload e) paid per record. A broker that does not serve FetchStream
 * (UNIMPLEMENTED: an older version) gets unary Fetch calls from then on.
 *
 * <p>Thread-safety: {@link #fetch} is called by the consumer's one fetch thread; {@link #close}
 * may be called from another and ends the streams at once.
 */
final class FetchStreams implements AutoCloseable {
    /** Fetch and FetchStream, with the record batches of an answer pointing into the one array it was read into. */
    private static final MethodDescriptor<FetchRequest, FetchResponse> FETCH =
        AliasingMarshaller.responsesAliased(BrokerGrpc.getFetchMethod(), FetchResponse.getDefaultInstance());
    private static final MethodDescriptor<FetchRequest, FetchResponse> FETCH_STREAM =
        AliasingMarshaller.responsesAliased(BrokerGrpc.getFetchStreamMethod(), FetchResponse.getDefaultInstance());

    /**
     * Where a stream's answers are handed over: on the transport thread that read them, straight into
     * the stream's queue (adding to it never blocks). The channel's executor was one more thread
     * between the answer and the fetch thread: a wake-up per answer on the consumer's path (workload
     * e: the event loop woke an executor thread, which parsed the answer and woke the fetch thread).
     */
    private static final Executor ON_TRANSPORT_THREAD = Runnable::run;

    private final Bootstrap bootstrap;
    private final ClientInterceptor[] interceptors;
    /** The open stream per broker, keyed by id and address (a broker that moved gets a new one). */
    private final Map<String, OneStream> streams = new ConcurrentHashMap<>();
    /** Brokers that answered UNIMPLEMENTED to a FetchStream. */
    private final Set<String> unaryOnly = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    FetchStreams(Bootstrap bootstrap, ClientInterceptor[] interceptors) {
        this.bootstrap = bootstrap;
        this.interceptors = interceptors.clone();
    }

    /**
     * Sends {@code request} to {@code broker} and waits up to {@code timeoutMs} for the answer.
     *
     * @throws StatusRuntimeException the fetch's or the stream's failure (DEADLINE_EXCEEDED when no
     *                                answer came in time); the next fetch opens a new stream
     */
    FetchResponse fetch(BrokerInfo broker, FetchRequest request, long timeoutMs) {
        String key = broker.getId() + "@" + broker.getHost() + ":" + broker.getPort();
        if (unaryOnly.contains(key)) {
            return ClientCalls.blockingUnaryCall(channel(broker), FETCH, CallOptions.DEFAULT.withDeadlineAfter(timeoutMs,
                TimeUnit.MILLISECONDS), request);
        }
        if (closed) {
            throw Status.CANCELLED.withDescription("consumer closed").asRuntimeException();
        }
        // The intercepted channel is made only when a stream opens, not per fetch.
        OneStream stream = streams.computeIfAbsent(key, k -> new OneStream(channel(broker).newCall(FETCH_STREAM,
            CallOptions.DEFAULT.withExecutor(ON_TRANSPORT_THREAD))));
        try {
            return stream.fetch(request, timeoutMs);
        } catch (StatusRuntimeException e) {
            streams.remove(key, stream);
            if (e.getStatus().getCode() == Status.Code.UNIMPLEMENTED) {
                unaryOnly.add(key);
                return fetch(broker, request, timeoutMs);
            }
            throw e;
        }
    }

    private Channel channel(BrokerInfo broker) {
        return ClientInterceptors.intercept(bootstrap.channel(broker), interceptors);
    }

    /** Ends every stream; a fetch waiting on one fails at once. */
    @Override
    public void close() {
        closed = true;
        streams.values().forEach(s -> s.cancel("consumer closed"));
        streams.clear();
    }

    /**
     * One open stream: requests go out one at a time, and answers (or its end) come back through a
     * queue, added to on the transport thread ({@link #ON_TRANSPORT_THREAD}).
     */
    private static final class OneStream extends ClientCall.Listener<FetchResponse> {
        /** An answer, or the status the stream ended with. */
        private record Arrival(FetchResponse response, Status closed) {
        }

        private final ClientCall<FetchRequest, FetchResponse> call;
        private final BlockingQueue<Arrival> arrivals = new LinkedBlockingQueue<>();

        OneStream(ClientCall<FetchRequest, FetchResponse> call) {
            this.call = call;
            call.start(this, new Metadata());
        }

        FetchResponse fetch(FetchRequest request, long timeoutMs) {
            Arrival arrival;
            try {
                call.sendMessage(request);
                call.request(1);
                arrival = arrivals.poll(timeoutMs, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                cancel("fetch thread interrupted");
                throw Status.CANCELLED.withDescription("interrupted").withCause(e).asRuntimeException();
            } catch (IllegalStateException e) { // the call already ended: its status is queued
                arrival = arrivals.poll();
                if (arrival == null || arrival.closed() == null) {
                    throw Status.UNAVAILABLE.withDescription("fetch stream ended").withCause(e).asRuntimeException();
                }
            }
            if (arrival == null) {
                String why = "no answer to a fetch within " + timeoutMs + " ms";
                cancel(why);
                throw Status.DEADLINE_EXCEEDED.withDescription(why).asRuntimeException();
            }
            if (arrival.closed() != null) {
                throw arrival.closed().asRuntimeException();
            }
            return arrival.response();
        }

        void cancel(String why) {
            call.cancel(why, null);
        }

        @Override
        public void onMessage(FetchResponse message) {
            arrivals.add(new Arrival(message, null));
        }

        @Override
        public void onClose(Status status, Metadata trailers) {
            arrivals.add(new Arrival(null, status.isOk()
                ? Status.UNAVAILABLE.withDescription("the broker ended the fetch stream") : status));
        }
    }
}
