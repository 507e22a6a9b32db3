package io.runnel.security;

import io.grpc.TlsServerCredentials;
import java.util.Locale;

/** Whether a TLS listener asks callers for a certificate ({@code tls.client.auth}). */
public enum ClientAuth {
    /** No certificate asked for: every client runs as {@link Principal#ANONYMOUS}. */
    NONE(TlsServerCredentials.ClientAuth.NONE),
    /** Asked for and verified if sent; a client without one runs as anonymous. */
    REQUESTED(TlsServerCredentials.ClientAuth.OPTIONAL),
    /** Required: a client without a certificate from the CA fails the TLS handshake. */
    REQUIRED(TlsServerCredentials.ClientAuth.REQUIRE);

    final TlsServerCredentials.ClientAuth grpc;

    ClientAuth(TlsServerCredentials.ClientAuth grpc) {
        this.grpc = grpc;
    }

    /** @throws IllegalArgumentException naming the text and the choices */
    public static ClientAuth parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + text + "' is not none, requested or required");
        }
    }
}
