package io.runnel.broker.node;

import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.runnel.broker.grpc.BrokerServer;
import java.util.concurrent.TimeUnit;

/**
 * A container healthcheck: {@code HealthCheck host:port [readiness|liveness]} asks the node's
 * standard gRPC health service and exits 0 if it answers SERVING, 1 otherwise (what Docker's
 * HEALTHCHECK expects). Readiness (the default, the health service's empty name) means the broker
 * is registered, unfenced, in touch with the active controller and caught up with the metadata
 * log; liveness ({@code "liveness"}) only that the listener is up. Kubernetes uses its built-in
 * gRPC probe on the same service instead. On a secured node it connects with the node's own
 * {@code RUNNEL_TLS_*} files ({@link ToolCredentials}).
 */
public final class HealthCheck {
    private HealthCheck() {
    }

    public static void main(String[] args) {
        String target = args.length > 0 ? args[0] : "127.0.0.1:9092";
        String service = BrokerServer.READINESS;
        if (args.length > 1) {
            switch (args[1]) {
                case "readiness" -> service = BrokerServer.READINESS;
                case "liveness" -> service = BrokerServer.LIVENESS;
                default -> {
                    System.out.println("usage: HealthCheck host:port [readiness|liveness], not '" + args[1] + "'");
                    System.exit(2);
                }
            }
        }
        System.exit(check(target, service));
    }

    /** @return 0 if the node at {@code target} is ready (readiness reports SERVING), else 1 */
    static int check(String target) {
        return check(target, BrokerServer.READINESS);
    }

    /** @return 0 if the node at {@code target} reports SERVING for the health-service name {@code service}, else 1 */
    static int check(String target, String service) {
        int colon = target.lastIndexOf(':');
        ManagedChannel channel = NettyChannelBuilder.forAddress(target.substring(0, colon),
            Integer.parseInt(target.substring(colon + 1)), ToolCredentials.fromEnvironment(System.getenv())).build();
        int status = 1;
        try {
            HealthCheckResponse r = HealthGrpc.newBlockingStub(channel).withDeadlineAfter(2, TimeUnit.SECONDS)
                .check(HealthCheckRequest.newBuilder().setService(service).build());
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
