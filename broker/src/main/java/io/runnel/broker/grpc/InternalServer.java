package io.runnel.broker.grpc;

import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.ServerCalls;
import io.runnel.broker.replica.ReplicaManager;
import io.runnel.proto.v1.ReplicationGrpc;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.function.IntPredicate;

/**
 * The broker's internal listener: the broker-to-broker Replication service (and health), apart
 * from the client listener so that clients, who only need the client port, cannot reach it. The
 * {@code replica_id} of a fetch is still the caller's claim: only mTLS on this listener (issue 18
 * items 2 and 3) can tie it to the calling broker.
 */
public final class InternalServer {
    private final Server server;
    private final HealthStatusManager health = new HealthStatusManager();

    /**
     * @param builder          a Netty builder on the internal port (see {@link BrokerServer#FLOW_CONTROL_WINDOW}),
     *                         or an in-process one
     * @param registeredBroker whether an id is a broker registered with the controller (fenced or not)
     */
    public InternalServer(ServerBuilder<?> builder, ReplicaManager replicaManager, IntPredicate registeredBroker) {
        ReplicationService replication = new ReplicationService(replicaManager, registeredBroker);
        this.server = builder
            // Replicated batches go from the log files into the transport (ReplicationService.replicaFetchSpliced).
            .addService(SplicingMarshaller.spliced(replication.bindService(), ReplicationGrpc.getReplicaFetchMethod(),
                ServerCalls.asyncUnaryCall(replication::replicaFetchSpliced)))
            .addService(health.getHealthService())
            .maxInboundMessageSize(64 * 1024 * 1024)
            .build();
    }

    /**
     * Binds and starts serving; health reports SERVING.
     *
     * @throws IOException naming the cause if the port cannot be bound
     */
    public InternalServer start() throws IOException {
        server.start();
        health.setStatus("", ServingStatus.SERVING);
        return this;
    }

    /** The bound port (useful with port 0). */
    public int port() {
        return server.getPort();
    }

    /** Stops taking calls and waits up to 5 s for fetches in flight (long polls end at their max wait). */
    public void shutdown() {
        health.enterTerminalState();
        server.shutdown();
        try {
            if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
                server.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.shutdownNow();
        }
    }
}
