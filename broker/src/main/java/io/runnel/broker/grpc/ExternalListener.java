package io.runnel.broker.grpc;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.function.IntPredicate;

/**
 * The external client listener ({@code external.listener}): the same services as the client
 * listener on a port of its own, for clients outside the network the brokers share (the host of a
 * compose cluster, clients outside Kubernetes). A call that arrives there is marked, and the
 * answers that name brokers (Metadata, FindCoordinator) name their external endpoints, as Kafka
 * answers with the addresses of the listener a request came in on.
 */
public final class ExternalListener {
    private static final Context.Key<Boolean> EXTERNAL = Context.key("runnel-external-listener");

    private ExternalListener() {
    }

    /** Whether the current call came in on the external listener. */
    public static boolean current() {
        return Boolean.TRUE.equals(EXTERNAL.get());
    }

    /**
     * Marks calls whose local port {@code isExternalPort} accepts (asked per call, so a port bound
     * as 0 can be told after the server started).
     */
    public static ServerInterceptor marking(IntPredicate isExternalPort) {
        return new ServerInterceptor() {
            @Override
            public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
                                                               ServerCallHandler<Q, A> next) {
                SocketAddress local = call.getAttributes().get(Grpc.TRANSPORT_ATTR_LOCAL_ADDR);
                if (local instanceof InetSocketAddress address && isExternalPort.test(address.getPort())) {
                    return Contexts.interceptCall(Context.current().withValue(EXTERNAL, true), call, headers, next);
                }
                return next.startCall(call, headers);
            }
        };
    }
}
