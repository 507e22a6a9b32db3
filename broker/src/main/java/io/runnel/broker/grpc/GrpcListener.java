package io.runnel.broker.grpc;

import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * One gRPC server on one port with the standard health service beside the listener's own
 * services: started, asked for its port, and shut down the same way by every listener of a node.
 * The health service answers two names ({@link BrokerServer#READINESS}, {@link BrokerServer#LIVENESS}):
 * liveness is SERVING from start to shutdown; readiness only while the node says {@link #ready}.
 */
final class GrpcListener {
    private final Server server;
    private final HealthStatusManager health = new HealthStatusManager();

    /** Builds the server from {@code builder}, which already holds the listener's services. */
    GrpcListener(ServerBuilder<?> builder) {
        this.server = builder.addService(health.getHealthService()).maxInboundMessageSize(64 * 1024 * 1024).build();
        health.setStatus(BrokerServer.READINESS, ServingStatus.NOT_SERVING);
    }

    /**
     * Binds and starts serving; liveness reports SERVING, readiness waits for {@link #ready}.
     *
     * @throws IOException naming the cause if the port cannot be bound
     */
    void start() throws IOException {
        server.start();
        health.setStatus(BrokerServer.LIVENESS, ServingStatus.SERVING);
    }

    /** Sets the readiness status (ignored after {@link #shutdown}). */
    void ready(boolean ready) {
        health.setStatus(BrokerServer.READINESS, ready ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
    }

    /** The bound port (useful with port 0). */
    int port() {
        return server.getPort();
    }

    /** Reports NOT_SERVING on both names, stops taking calls and waits up to 5 s for calls in flight (long polls end at their max wait). */
    void shutdown() {
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
