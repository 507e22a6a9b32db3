package io.runnel.security;

import io.grpc.ChannelCredentials;
import io.grpc.ServerCredentials;
import io.grpc.TlsChannelCredentials;
import io.grpc.TlsServerCredentials;
import java.security.cert.X509Certificate;
import java.util.Optional;
import java.util.function.Predicate;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Loaded TLS material ({@link TlsFiles#load}): what this side shows and whom it trusts, turned into
 * gRPC credentials for listeners and channels. The handshake runs on whatever SSL engine gRPC's
 * Netty picks (OpenSSL if its native library loads, else the JDK's); both take these managers.
 *
 * @param keyManager   this side's certificate and key, or null for a client without a certificate
 * @param trustManager verifies the other side's chain against the CA file
 */
public record TlsMaterial(X509ExtendedKeyManager keyManager, X509ExtendedTrustManager trustManager) {
    /** The principal this side's certificate authenticates as, if it has one. */
    public Optional<Principal> principal() {
        if (keyManager == null) {
            return Optional.empty();
        }
        X509Certificate[] chain = keyManager.getCertificateChain(TlsFiles.KEY_ALIAS);
        return chain == null || chain.length == 0 ? Optional.empty() : Optional.of(Principal.of(chain[0]));
    }

    /** For a channel: verifies the server's certificate (and its host name), shows ours if we have one. */
    public ChannelCredentials channelCredentials() {
        TlsChannelCredentials.Builder builder = TlsChannelCredentials.newBuilder().trustManager(trustManager);
        if (keyManager != null) {
            builder.keyManager(keyManager);
        }
        return builder.build();
    }

    /**
     * For a listener. A client certificate the CA did not sign fails the handshake and is logged
     * naming {@code listener}.
     *
     * @throws IllegalStateException if this material has no certificate to show
     */
    public ServerCredentials serverCredentials(ClientAuth clientAuth, String listener) {
        return serverCredentials(clientAuth, listener, principal -> true, "");
    }

    /**
     * For a listener that only {@code allowed} principals may reach at all: any other certificate
     * fails the handshake, logged naming {@code listener} and {@code requirement}.
     */
    public ServerCredentials serverCredentials(ClientAuth clientAuth, String listener, Predicate<Principal> allowed,
                                               String requirement) {
        if (keyManager == null) {
            throw new IllegalStateException("a TLS listener needs a certificate and key");
        }
        return TlsServerCredentials.newBuilder().keyManager(keyManager)
            .trustManager(new CheckingTrustManager(trustManager, listener, allowed, requirement))
            .clientAuth(clientAuth.grpc).build();
    }

    /**
     * A trust manager that accepts, in either direction, only chains the CA signed whose principal
     * {@code allowed} accepts; refusals are logged naming {@code listener} and {@code requirement}.
     */
    public X509ExtendedTrustManager trustOnly(Predicate<Principal> allowed, String listener, String requirement) {
        return new CheckingTrustManager(trustManager, listener, allowed, requirement);
    }
}
