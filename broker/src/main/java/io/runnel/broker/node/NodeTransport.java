package io.runnel.broker.node;

import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.runnel.broker.config.SecuritySettings;
import io.runnel.security.Authentication;
import io.runnel.security.ClientAuth;
import io.runnel.security.ClusterAccess;
import io.runnel.security.TlsMaterial;
import java.net.InetSocketAddress;

/**
 * How one node's listeners and its connections to other nodes are secured, made once from its
 * {@link SecuritySettings}: plaintext, or TLS with its certificate. Every listener authenticates
 * callers ({@link Authentication}); the cluster listeners (internal, controller) require a client
 * certificate and admit cluster principals only, the client listener asks for one as
 * {@code tls.client.auth} says.
 */
final class NodeTransport {
    private final SecuritySettings settings;
    /** The loaded certificate, key and CA; null in plaintext. */
    private final TlsMaterial tls;

    /** @throws IllegalArgumentException naming the file if the TLS files no longer load */
    NodeTransport(SecuritySettings settings) {
        this.settings = settings;
        this.tls = settings.load().orElse(null);
    }

    /**
     * A server builder for the client listener. With {@code tls.client.auth=required} the TLS layer
     * only requests a certificate and an interceptor refuses calls without one (UNAUTHENTICATED,
     * saying why), instead of a handshake failure the client cannot tell from a dead broker.
     */
    NettyServerBuilder clientListener(InetSocketAddress address, String name) {
        if (tls != null && settings.clientAuth() == ClientAuth.REQUIRED) {
            // Interceptors run last-added first: authentication, then the certificate check.
            return NettyServerBuilder.forAddress(address, credentials(ClientAuth.REQUESTED, name))
                .intercept(Authentication.requireCertificate(name)).intercept(Authentication.interceptor());
        }
        return NettyServerBuilder.forAddress(address, credentials(settings.clientAuth(), name))
            .intercept(Authentication.interceptor());
    }

    /** A server builder for a listener only cluster nodes call (internal, controller). */
    NettyServerBuilder clusterListener(InetSocketAddress address, String name) {
        // Interceptors run last-added first: authentication, then the cluster-principal check.
        return NettyServerBuilder.forAddress(address, credentials(ClientAuth.REQUIRED, name))
            .intercept(access().clusterOnly(name)).intercept(Authentication.interceptor());
    }

    /** How this node connects to other nodes' cluster listeners: as itself, with its certificate. */
    ChannelCredentials channelCredentials() {
        return tls == null ? InsecureChannelCredentials.create() : tls.channelCredentials();
    }

    ClusterAccess access() {
        return settings.clusterAccess();
    }

    /** The TLS material for Raft's transport, or null in plaintext. */
    TlsMaterial tls() {
        return tls;
    }

    private ServerCredentials credentials(ClientAuth clientAuth, String name) {
        return tls == null ? InsecureServerCredentials.create() : tls.serverCredentials(clientAuth, name);
    }
}
