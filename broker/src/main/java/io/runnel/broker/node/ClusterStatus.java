package io.runnel.broker.node;

import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.runnel.broker.grpc.BrokerServer;
import io.runnel.proto.v1.BrokerRegistration;
import io.runnel.proto.v1.ControllerGrpc;
import io.runnel.proto.v1.DescribeClusterRequest;
import io.runnel.proto.v1.DescribeClusterResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Prints the cluster as the controllers see it, for scripts/cluster:
 * {@code ClusterStatus host:port[,host:port] [--wait-brokers N --timeout-ms T]}. With
 * {@code --wait-brokers} it exits 0 once a controller is active, N brokers are registered and
 * unfenced, and each of them reports SERVING on its readiness (the gRPC health service at its
 * registered client endpoint, {@link BrokerServer#READINESS}), and 1 if that does not happen
 * within the timeout; without it, 0 if a controller
 * answered, 1 if none did. On a secured cluster it connects with the {@code RUNNEL_TLS_*} files
 * ({@link ToolCredentials}): the controller listener admits cluster principals only, so a node's.
 */
public final class ClusterStatus {
    private ClusterStatus() {
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length < 1) {
            System.err.println("usage: ClusterStatus host:port[,host:port] [--wait-brokers N --timeout-ms T]");
            System.exit(2);
        }
        List<ManagedChannel> channels = new ArrayList<>();
        ChannelCredentials credentials = ToolCredentials.fromEnvironment(System.getenv());
        for (String address : args[0].split(",")) {
            int colon = address.lastIndexOf(':');
            channels.add(NettyChannelBuilder.forAddress(address.substring(0, colon), Integer.parseInt(address.substring(colon + 1)),
                credentials).build());
        }
        int waitBrokers = -1;
        long timeoutMs = 30_000;
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--wait-brokers" -> waitBrokers = Integer.parseInt(args[++i]);
                case "--timeout-ms" -> timeoutMs = Long.parseLong(args[++i]);
                default -> {
                    System.err.println("unknown argument " + args[i]);
                    System.exit(2);
                }
            }
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        DescribeClusterResponse last = null;
        Map<String, ManagedChannel> brokerChannels = new HashMap<>();
        boolean ready = false;
        do {
            last = describe(channels);
            ready = waitBrokers >= 0 && ready(last, waitBrokers) && serving(last, brokerChannels, credentials);
            if (waitBrokers < 0 || ready) {
                break;
            }
            TimeUnit.MILLISECONDS.sleep(100); // a CLI waiting for a cluster, not a test
        } while (System.nanoTime() < deadline);
        channels.forEach(ManagedChannel::shutdownNow);
        brokerChannels.values().forEach(ManagedChannel::shutdownNow);
        if (last == null) {
            System.out.println("no controller answered at " + args[0]);
            System.exit(1);
        }
        System.out.println("active controller: " + (last.getControllerId() < 0 ? "none" : "node " + last.getControllerId())
            + ", metadata offset " + last.getImage().getOffset());
        for (BrokerRegistration b : last.getImage().getBrokersList()) {
            System.out.printf("broker %d  %s:%d  %s%n", b.getBrokerId(), b.getEndpoint().getHost(), b.getEndpoint().getPort(),
                b.getFenced() ? "FENCED" : "ready");
        }
        System.out.println("topics: " + last.getImage().getTopicsCount());
        System.exit(waitBrokers < 0 || ready ? 0 : 1);
    }

    /** Whether every unfenced broker's readiness reports SERVING at its registered client endpoint. */
    private static boolean serving(DescribeClusterResponse r, Map<String, ManagedChannel> brokerChannels,
                                   ChannelCredentials credentials) {
        for (BrokerRegistration b : r.getImage().getBrokersList()) {
            if (b.getFenced()) {
                continue;
            }
            ManagedChannel channel = brokerChannels.computeIfAbsent(b.getEndpoint().getHost() + ":" + b.getEndpoint().getPort(),
                k -> NettyChannelBuilder.forAddress(b.getEndpoint().getHost(), b.getEndpoint().getPort(), credentials).build());
            try {
                if (HealthGrpc.newBlockingStub(channel).withDeadlineAfter(2, TimeUnit.SECONDS)
                    .check(HealthCheckRequest.newBuilder().setService(BrokerServer.READINESS).build())
                    .getStatus() != ServingStatus.SERVING) {
                    return false;
                }
            } catch (RuntimeException e) {
                return false; // not reachable yet
            }
        }
        return true;
    }

    private static boolean ready(DescribeClusterResponse r, int brokers) {
        return r != null && r.getControllerId() >= 0
            && r.getImage().getBrokersList().stream().filter(b -> !b.getFenced()).count() >= brokers;
    }

    private static DescribeClusterResponse describe(List<ManagedChannel> channels) {
        DescribeClusterResponse best = null;
        for (ManagedChannel c : channels) {
            try {
                DescribeClusterResponse r = ControllerGrpc.newBlockingStub(c).withDeadlineAfter(2, TimeUnit.SECONDS)
                    .describeCluster(DescribeClusterRequest.getDefaultInstance());
                if (best == null || r.getImage().getOffset() > best.getImage().getOffset()) {
                    best = r;
                }
            } catch (RuntimeException e) {
                // that controller is down; ask the others
            }
        }
        return best;
    }
}
