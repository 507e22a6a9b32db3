package io.runnel.security;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.OptionalInt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who may call the cluster's own services (Replication, the controller API): only cluster nodes,
 * and each only as itself. {@link #open()} checks nothing (plaintext listeners, where every caller
 * is anonymous); {@link #enforced} refuses with PERMISSION_DENIED, naming the caller and what it
 * lacked. Reads the caller from {@link Authentication#caller()}, so its interceptor must run inside
 * {@link Authentication#interceptor()}.
 */
public final class ClusterAccess {
    private static final Logger log = LoggerFactory.getLogger(ClusterAccess.class);

    private final NodePrincipals nodes;

    private ClusterAccess(NodePrincipals nodes) {
        this.nodes = nodes;
    }

    /** No checks: the listeners are plaintext and nobody is authenticated. */
    public static ClusterAccess open() {
        return new ClusterAccess(null);
    }

    /** Only principals of {@code nodes}, each as its own node id. */
    public static ClusterAccess enforced(NodePrincipals nodes) {
        return new ClusterAccess(nodes);
    }

    public boolean isEnforced() {
        return nodes != null;
    }

    /** A server interceptor refusing every call from a principal that is not a cluster node. */
    public ServerInterceptor clusterOnly(String listener) {
        return new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                              ServerCallHandler<Q, R> next) {
                if (nodes != null) {
                    Principal caller = Authentication.caller();
                    if (!nodes.isNode(caller)) {
                        String message = caller + " is not a cluster principal (" + nodes + "): " + listener
                            + " serves brokers and controllers only (" + call.getMethodDescriptor().getFullMethodName() + ")";
                        log.warn("Refused: {}", message);
                        call.close(Status.PERMISSION_DENIED.withDescription(message), new Metadata());
                        return new ServerCall.Listener<>() { };
                    }
                }
                return next.startCall(call, headers);
            }
        };
    }

    /**
     * Refuses the call on {@code out} unless the caller is node {@code claimedId}, as the request's
     * {@code field} says: PERMISSION_DENIED naming the claimed id and the caller's identity.
     *
     * @return whether the call was refused (the caller then returns without answering)
     */
    public boolean refuses(int claimedId, String field, StreamObserver<?> out) {
        if (nodes == null) {
            return false;
        }
        Principal caller = Authentication.caller();
        OptionalInt actual = nodes.nodeId(caller);
        if (actual.isPresent() && actual.getAsInt() == claimedId) {
            return false;
        }
        String message = field + " " + claimedId + " does not match the caller's identity " + caller
            + (actual.isPresent() ? " (node " + actual.getAsInt() + ")" : " (not a cluster principal)");
        log.warn("Refused: {}", message);
        out.onError(Status.PERMISSION_DENIED.withDescription(message).asRuntimeException());
        return true;
    }
}
