package io.runnel.metadata.service;

import io.grpc.Attributes;
import io.grpc.BindableService;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServerTransportFilter;
import io.runnel.metadata.controller.QuorumController;
import java.net.SocketAddress;

/**
 * Tells the controller which connection each broker's heartbeats come on and when a connection
 * closes, so a broker whose process died (its kernel closes its sockets) is fenced within a
 * heartbeat interval instead of a whole session. Install both halves on the controller's server:
 * {@code builder.addService(withRemoteAddress(service)).addTransportFilter(closedConnections(controller))}.
 */
public final class ConnectionTracking {
    /** The calling connection's remote address, in the context of each call. */
    static final Context.Key<SocketAddress> REMOTE_ADDRESS = Context.key("runnel-remote-address");

    private ConnectionTracking() {
    }

    /** The service, with each call's remote address in {@link #REMOTE_ADDRESS}. */
    public static ServerServiceDefinition withRemoteAddress(BindableService service) {
        return ServerInterceptors.intercept(service, new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                              ServerCallHandler<Q, R> next) {
                SocketAddress remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
                return Contexts.interceptCall(Context.current().withValue(REMOTE_ADDRESS, remote), call, headers, next);
            }
        });
    }

    /** Reports every closed connection to the controller. */
    public static ServerTransportFilter closedConnections(QuorumController controller) {
        return new ServerTransportFilter() {
            @Override
            public void transportTerminated(Attributes transportAttrs) {
                if (transportAttrs != null) {
                    controller.connectionClosed(transportAttrs.get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
                }
            }
        };
    }
}
