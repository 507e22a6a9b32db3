package io.runnel.client.common;

import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.runnel.proto.v1.BrokerGrpc;
import io.runnel.proto.v1.BrokerInfo;
import io.runnel.proto.v1.MetadataRequest;
import io.runnel.proto.v1.MetadataResponse;
import io.runnel.security.TlsFiles;
import java.io.Closeable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Channels to the cluster: the bootstrap addresses, and one channel per broker learned from
 * metadata. Shared by the admin client, producer and consumer.
 *
 * <p>Thread-safety: safe from any thread.
 */
public final class Bootstrap implements Closeable {
    private final List<String[]> bootstrap = new ArrayList<>();
    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
    private final ChannelCredentials credentials;

    /** Plaintext connections. @see #Bootstrap(String, TlsFiles) */
    public Bootstrap(String servers) {
        this(servers, null);
    }

    /**
     * @param servers {@code host:port[,host:port...]}
     * @param tls     null for plaintext; else TLS trusting its CA file (and the broker's name checked
     *                against its certificate), showing its certificate if it has one
     * @throws IllegalArgumentException naming a malformed address, or a TLS file that does not load
     */
    public Bootstrap(String servers, TlsFiles tls) {
        this.credentials = tls == null ? InsecureChannelCredentials.create() : tls.load().channelCredentials();
        for (String address : servers.split(",")) {
            int colon = address.trim().lastIndexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("bootstrap address '" + address + "' is not host:port");
            }
            try {
                int port = Integer.parseInt(address.trim().substring(colon + 1));
                if (port <= 0 || port > 65535) {
                    throw new NumberFormatException();
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bootstrap address '" + address + "' has no valid port");
            }
            bootstrap.add(new String[] {address.trim().substring(0, colon), address.trim().substring(colon + 1)});
        }
    }

    public ManagedChannel channel(String host, int port) {
        return channels.computeIfAbsent(host + ":" + port, k -> NettyChannelBuilder.forAddress(host, port, credentials)
            .maxInboundMessageSize(64 << 20).flowControlWindow(8 << 20).build());
    }

    public ManagedChannel channel(BrokerInfo broker) {
        return channel(broker.getHost(), broker.getPort());
    }

    /** A channel to the first bootstrap server that answers metadata. */
    public ManagedChannel anyChannel() {
        RuntimeException last = null;
        for (String[] a : bootstrap) {
            ManagedChannel c = channel(a[0], Integer.parseInt(a[1]));
            try {
                BrokerGrpc.newBlockingStub(c).withDeadlineAfter(5, TimeUnit.SECONDS)
                    .metadata(MetadataRequest.newBuilder().addTopics("__probe__").build());
                return c;
            } catch (StatusRuntimeException e) {
                if (e.getStatus().getCode() == Status.Code.UNAUTHENTICATED) {
                    throw e; // a broker answered: with a refusal the next one would repeat
                }
                last = e;
            } catch (RuntimeException e) {
                last = e;
            }
        }
        throw new ClusterUnreachableException(describe(), last);
    }

    /** Metadata for {@code topics} (all if empty) from any reachable bootstrap server. */
    public MetadataResponse metadata(List<String> topics) {
        return metadata(topics, false);
    }

    /**
     * Metadata for {@code topics} (all if empty); with {@code allowAutoCreate} a broker with
     * {@code auto.create.topics.enable} creates those that do not exist (MetadataRequest).
     */
    public MetadataResponse metadata(List<String> topics, boolean allowAutoCreate) {
        return BrokerGrpc.newBlockingStub(anyChannel()).withDeadlineAfter(10, TimeUnit.SECONDS)
            .metadata(MetadataRequest.newBuilder().addAllTopics(topics).setAllowAutoTopicCreation(allowAutoCreate).build());
    }

    public String describe() {
        return String.join(",", bootstrap.stream().map(a -> a[0] + ":" + a[1]).toList());
    }

    @Override
    public void close() {
        channels.values().forEach(ManagedChannel::shutdownNow);
        channels.clear();
    }

    /** No bootstrap server answered. */
    public static final class ClusterUnreachableException extends RuntimeException {
        public ClusterUnreachableException(String servers, Throwable cause) {
            super("no Runnel broker answered at " + servers + (cause == null ? "" : ": " + cause.getMessage()), cause);
        }
    }
}
