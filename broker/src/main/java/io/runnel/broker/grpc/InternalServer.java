package io.runnel.broker.grpc;

import io.grpc.ServerBuilder;
import io.grpc.stub.ServerCalls;
import io.runnel.broker.replica.ReplicaManager;
import io.runnel.proto.v1.ReplicationGrpc;
import io.runnel.security.ClusterAccess;
import java.io.IOException;
import java.util.function.IntPredicate;

/**
 * The broker's internal listener: the broker-to-broker Replication service (and health), apart
 * from the client listener so that clients, who only need the client port, cannot reach it. With
 * TLS the listener admits node certificates only and {@link ClusterAccess} ties each fetch's
 * {@code replica_id} to the calling node; in plaintext it is the caller's claim (firewall the port).
 */
public final class InternalServer {
    private final GrpcListener listener;

    /**
     * @param builder          a Netty builder on the internal port (see {@link BrokerServer#FLOW_CONTROL_WINDOW}),
     *                         or an in-process one
     * @param registeredBroker whether an id is a broker registered with the controller (fenced or not)
     */
    public InternalServer(ServerBuilder<?> builder, ReplicaManager replicaManager, IntPredicate registeredBroker) {
        this(builder, replicaManager, registeredBroker, ClusterAccess.open());
    }

    /**
     * @param access checks each fetch's {@code replica_id} against the caller; the builder brings the
     *               interceptors that authenticate callers and admit cluster principals only
     */
    public InternalServer(ServerBuilder<?> builder, ReplicaManager replicaManager, IntPredicate registeredBroker,
                          ClusterAccess access) {
        ReplicationService replication = new ReplicationService(replicaManager, registeredBroker, access);
        // ReplicaFetch never blocks (a long poll waits in the purgatory, not on a thread), so it runs on the
        // event loop that read it, with no hand-off to an executor and back (CallExecutors says why).
        this.listener = new GrpcListener(builder.directExecutor()
            // Replicated batches go from the log files into the transport (ReplicationService.replicaFetchSpliced),
            // answering a ReplicaFetch or each request of a follower's ReplicaFetchStream (the same checks for both).
            .addService(SplicingMarshaller.spliced(
                SplicingMarshaller.spliced(replication.bindService(), ReplicationGrpc.getReplicaFetchMethod(),
                    ServerCalls.asyncUnaryCall(replication::replicaFetchSpliced)),
                ReplicationGrpc.getReplicaFetchStreamMethod(), ServerCalls.asyncBidiStreamingCall(replication::replicaFetchStreamSpliced))));
    }

    /**
     * Binds and starts serving; liveness reports SERVING, readiness waits for {@link #ready}.
     *
     * @throws IOException naming the cause if the port cannot be bound
     */
    public InternalServer start() throws IOException {
        listener.start();
        return this;
    }

    /** Sets readiness, as on the client listener ({@link BrokerServer#READINESS}). */
    public void ready(boolean ready) {
        listener.ready(ready);
    }

    /** The bound port (useful with port 0). */
    public int port() {
        return listener.port();
    }

    /** Reports NOT_SERVING, stops taking calls and waits up to 5 s for calls in flight. */
    public void shutdown() {
        listener.shutdown();
    }
}
