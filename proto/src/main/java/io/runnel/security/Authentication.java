package io.runnel.security;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * The principal of every call: a {@link ServerInterceptor} on each listener reads the verified
 * client certificate of the call's TLS session and puts its {@link Principal} in the gRPC
 * {@link Context}, where services (and later ACLs) read it with {@link #caller()}. A call without a
 * client certificate runs as {@link Principal#ANONYMOUS}.
 */
public final class Authentication {
    /** The calling principal, in the context of every call that went through {@link #interceptor()}. */
    public static final Context.Key<Principal> PRINCIPAL = Context.keyWithDefault("runnel-principal", Principal.ANONYMOUS);

    private static final ServerInterceptor INTERCEPTOR = new ServerInterceptor() {
        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
            Principal principal = principalOf(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
            return Contexts.interceptCall(Context.current().withValue(PRINCIPAL, principal), call, headers, next);
        }
    };

    private Authentication() {
    }

    /** The interceptor that authenticates each call (stateless; one serves every listener). */
    public static ServerInterceptor interceptor() {
        return INTERCEPTOR;
    }

    /**
     * An interceptor refusing every call that came without a verified client certificate, with
     * UNAUTHENTICATED naming the listener and what to do: for a listener that requires client
     * certificates but accepts the TLS handshake without one, so that the client learns why
     * rather than seeing the connection fail. A certificate the CA did not sign still fails the
     * handshake (the trust manager refuses it whether a certificate is required or requested).
     * Must run inside {@link #interceptor()} (added before it to the server builder).
     */
    public static ServerInterceptor requireCertificate(String listener) {
        return new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
                if (caller().equals(Principal.ANONYMOUS)) {
                    call.close(Status.UNAUTHENTICATED.withDescription("no client certificate: " + listener
                        + " requires one signed by the cluster's CA (tls.client.auth=required); a client also sends none when "
                        + "its certificate's issuer is not that CA"), new Metadata());
                    return new ServerCall.Listener<>() { };
                }
                return next.startCall(call, headers);
            }
        };
    }

    /** The principal of the call this thread serves; {@link Principal#ANONYMOUS} outside one. */
    public static Principal caller() {
        return PRINCIPAL.get();
    }

    /** The principal of a TLS session's verified peer certificate, or anonymous without one (the gRPC listeners and the console's HTTPS server). */
    public static Principal principalOf(SSLSession session) {
        if (session == null) {
            return Principal.ANONYMOUS;
        }
        try {
            Certificate[] chain = session.getPeerCertificates();
            return chain.length > 0 && chain[0] instanceof X509Certificate x509 ? Principal.of(x509) : Principal.ANONYMOUS;
        } catch (SSLPeerUnverifiedException e) {
            return Principal.ANONYMOUS;
        }
    }
}
