package io.runnel.client.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.runnel.client.common.Bootstrap;
import io.runnel.proto.v1.BrokerGrpc;
import io.runnel.proto.v1.BrokerInfo;
import io.runnel.proto.v1.FetchRequest;
import io.runnel.proto.v1.FetchResponse;
import io.runnel.proto.v1.FetchTopicResponse;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The consumer's fetch streams against real gRPC servers on loopback: fetches to one broker share
 * one stream and are answered in order; a stream that fails is replaced by the next fetch; a
 * broker without FetchStream (an older version) is served by unary Fetch calls.
 */
class FetchStreamsTest {
    private final AtomicInteger streamsOpened = new AtomicInteger();
    private final AtomicInteger unaryCalls = new AtomicInteger();
    private Server server;
    private Bootstrap bootstrap;
    private FetchStreams streams;
    private ClientInterceptor[] interceptors = new ClientInterceptor[0];

    @AfterEach
    void stop() {
        if (streams != null) {
            streams.close();
        }
        if (bootstrap != null) {
            bootstrap.close();
        }
        server.shutdownNow();
    }

    /** Answers a request with one topic named after its max_wait_ms, so each answer shows which request it is for. */
    private static FetchResponse answerTo(FetchRequest request) {
        return FetchResponse.newBuilder().addTopics(FetchTopicResponse.newBuilder().setTopic("t" + request.getMaxWaitMs())).build();
    }

    private BrokerInfo start(boolean serveStreams, int failStreamAfter) throws Exception {
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(new BrokerGrpc.BrokerImplBase() {
            @Override
            public void fetch(FetchRequest request, StreamObserver<FetchResponse> response) {
                unaryCalls.incrementAndGet();
                response.onNext(answerTo(request));
                response.onCompleted();
            }

            @Override
            public StreamObserver<FetchRequest> fetchStream(StreamObserver<FetchResponse> responses) {
                if (!serveStreams) {
                    return super.fetchStream(responses); // UNIMPLEMENTED, as a broker before FetchStream
                }
                streamsOpened.incrementAndGet();
                AtomicInteger served = new AtomicInteger();
                return new StreamObserver<>() {
                    @Override
                    public void onNext(FetchRequest request) {
                        if (served.incrementAndGet() > failStreamAfter) {
                            responses.onError(Status.INTERNAL.withDescription("stream broke").asRuntimeException());
                        } else {
                            responses.onNext(answerTo(request));
                        }
                    }

                    @Override
                    public void onError(Throwable t) {
                    }

                    @Override
                    public void onCompleted() {
                        responses.onCompleted();
                    }
                };
            }
        }).build().start();
        bootstrap = new Bootstrap("127.0.0.1:" + server.getPort());
        streams = new FetchStreams(bootstrap, interceptors);
        return BrokerInfo.newBuilder().setId(1).setHost("127.0.0.1").setPort(server.getPort()).build();
    }

    private String fetch(BrokerInfo broker, int tag) {
        return streams.fetch(broker, FetchRequest.newBuilder().setMaxWaitMs(tag).build(), 10_000).getTopics(0).getTopic();
    }

    @Test
    void fetchesToOneBroker_shareOneStream_answeredInOrder() throws Exception {
        BrokerInfo broker = start(true, Integer.MAX_VALUE);
        for (int i = 1; i <= 5; i++) {
            assertEquals("t" + i, fetch(broker, i));
        }
        assertEquals(1, streamsOpened.get());
        assertEquals(0, unaryCalls.get());
    }

    @Test
    void aFailedStream_failsItsFetch_andTheNextFetchOpensANewOne() throws Exception {
        BrokerInfo broker = start(true, 2);
        assertEquals("t1", fetch(broker, 1));
        assertEquals("t2", fetch(broker, 2));
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> fetch(broker, 3));
        assertEquals(Status.Code.INTERNAL, e.getStatus().getCode());
        assertEquals("t4", fetch(broker, 4));
        assertEquals(2, streamsOpened.get());
    }

    @Test
    void aBrokerWithoutFetchStream_isServedByUnaryFetches() throws Exception {
        BrokerInfo broker = start(false, Integer.MAX_VALUE);
        assertEquals("t1", fetch(broker, 1));
        assertEquals("t2", fetch(broker, 2));
        assertEquals(2, unaryCalls.get(), "each fetch a unary call, the stream tried once");
    }

    @Test
    void answersAreHandedOverOnTheTransportThread_notThroughAnExecutorThread() throws Exception {
        // The thread each answer reaches the stream's listener on (this interceptor's listener runs on the same one).
        List<String> deliveredOn = new CopyOnWriteArrayList<>();
        interceptors = new ClientInterceptor[] {new ClientInterceptor() {
            @Override
            public <Q, A> ClientCall<Q, A> interceptCall(MethodDescriptor<Q, A> method, CallOptions options, Channel next) {
                return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
                    @Override
                    public void start(Listener<A> listener, Metadata headers) {
                        super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                            @Override
                            public void onMessage(A message) {
                                deliveredOn.add(Thread.currentThread().getName());
                                super.onMessage(message);
                            }
                        }, headers);
                    }
                };
            }
        }};
        BrokerInfo broker = start(true, Integer.MAX_VALUE);
        for (int i = 1; i <= 3; i++) {
            assertEquals("t" + i, fetch(broker, i));
        }
        assertEquals(3, deliveredOn.size());
        // gRPC's Netty event loops are named grpc-default-worker-*; its executor threads grpc-default-executor-*.
        deliveredOn.forEach(thread -> assertTrue(thread.startsWith("grpc-default-worker"), "answer delivered on " + thread));
    }
}
