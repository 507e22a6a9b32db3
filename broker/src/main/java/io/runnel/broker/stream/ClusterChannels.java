package io.runnel.broker.stream;

import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.runnel.broker.metadata.BrokerEndpoint;
import io.runnel.broker.metadata.ClusterView;
import io.runnel.proto.v1.BrokerGrpc;
import io.runnel.proto.v1.GroupGrpc;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Channels from this broker to the client listeners of the cluster's brokers (itself included),
 * one per broker address, made on first use and kept until {@link #close}. The stream sessions
 * reach leaders and coordinators through them exactly as a client would.
 *
 * <p>Thread-safe.
 */
public final class ClusterChannels implements AutoCloseable {
    /** Fetch answers are capped well below this (SubscribeSession asks for at most 1 MiB). */
    private static final int MAX_INBOUND_BYTES = 16 << 20;

    private final ClusterView cluster;
    private final ChannelCredentials credentials;
    private final int selfId;
    private final Map<BrokerEndpoint, ManagedChannel> channels = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /**
     * @param credentials how this broker connects to client listeners (its own certificate with TLS)
     * @param selfId      this broker's id, for calls any broker can answer
     */
    public ClusterChannels(ClusterView cluster, ChannelCredentials credentials, int selfId) {
        this.cluster = cluster;
        this.credentials = credentials;
        this.selfId = selfId;
    }

    ClusterView cluster() {
        return cluster;
    }

    /** Broker stub to a live broker, or empty if the id is not a live broker (or this is closed). */
    Optional<BrokerGrpc.BrokerStub> broker(int brokerId) {
        return channel(brokerId).map(BrokerGrpc::newStub);
    }

    /** Group stub to a live broker, or empty if the id is not a live broker (or this is closed). */
    Optional<GroupGrpc.GroupStub> group(int brokerId) {
        return channel(brokerId).map(GroupGrpc::newStub);
    }

    /** This broker's id: for calls that any broker answers (InitProducerId, FindCoordinator). */
    int selfId() {
        return selfId;
    }

    private Optional<ManagedChannel> channel(int brokerId) {
        if (closed) {
            return Optional.empty();
        }
        return cluster.broker(brokerId).map(endpoint -> channels.computeIfAbsent(endpoint, e ->
            NettyChannelBuilder.forAddress(e.host(), e.port(), credentials).maxInboundMessageSize(MAX_INBOUND_BYTES).build()));
    }

    @Override
    public void close() {
        closed = true;
        channels.values().forEach(ManagedChannel::shutdownNow);
        channels.clear();
    }
}
