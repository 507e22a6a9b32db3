package io.runnel.broker.node;

import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.concurrent.TimeUnit;

/**
 * A container healthcheck: {@code HealthCheck host:port} asks the node's standard gRPC health
 * service and exits 0 if it answers SERVING, 1 otherwise (what Docker's HEALTHCHECK expects).
 * Kubernetes uses its built-in gRPC probe on the same service instead. On a secured node it
 * connects with the node's own {@code RUNNEL_TLS_*} files ({@link ToolCredentials}).
 */
public final class HealthCheck {
    private HealthCheck() {
    }

    public static void main(String[] args) {
        System.exit(check(args.length > 0 ? args[0] : "127.0.0.1:9092"));
    }

    /** @return 0 if the node at {@code target} reports SERVING, else 1 */
    static int check(String target) {
        int colon = target.lastIndexOf(':');
        ManagedChannel channel = NettyChannelBuilder.forAddress(target.substring(0, colon),
            Integer.parseInt(target.substring(colon + 1)), ToolCredentials.fromEnvironment(System.getenv())).build();
        int status = 1;
        try {
            HealthCheckResponse r = HealthGrpc.newBlockingStub(channel).withDeadlineAfter(2, TimeUnit.SECONDS)
                .check(HealthCheckRequest.getDefaultInstance());
            status = r.getStatus() == HealthCheckResponse.ServingStatus.SERVING ? 0 : 1;
            System.out.println(r.getStatus());
        } catch (RuntimeException e) {
            System.out.println("unhealthy: " + e.getMessage());
        } finally {
            channel.shutdownNow();
        }
        return status;
    }
}
