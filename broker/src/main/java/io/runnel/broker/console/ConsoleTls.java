package io.runnel.broker.console;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import io.runnel.broker.auth.Authorizer;
import io.runnel.security.Authentication;
import io.runnel.security.ClientAuth;
import io.runnel.security.Principal;
import io.runnel.security.TlsMaterial;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;

/**
 * The console over HTTPS on a node with TLS on: the node's certificate and CA (the reloading
 * managers of {@link TlsMaterial}, so a renewed certificate is served without a restart), and the
 * browser's client certificate asked for as the client listener's {@code tls.client.auth} says. Its
 * principal is read by {@link Authentication#principalOf}, the code the gRPC listeners use. As on
 * the client listener, {@code required} only requests a certificate at the handshake and then
 * refuses requests without one with a page saying why, rather than a handshake failure the browser
 * cannot explain.
 *
 * @param material   the node's TLS material
 * @param clientAuth the client listener's {@code tls.client.auth}
 */
public record ConsoleTls(TlsMaterial material, ClientAuth clientAuth) {
    static final String LISTENER = "console.listener";

    /** @throws IOException naming {@code console.listener} when it cannot be bound or TLS not set up */
    HttpsServer bind(InetSocketAddress address, int backlog) throws IOException {
        SSLContext context;
        try {
            context = SSLContext.getInstance("TLS");
            context.init(new KeyManager[] {material.keyManager()},
                new TrustManager[] {material.trustOnly(principal -> true, LISTENER, "")}, null);
        } catch (GeneralSecurityException e) {
            throw new IOException(LISTENER + ": TLS cannot be set up: " + e.getMessage(), e);
        }
        HttpsServer server = HttpsServer.create(address, backlog);
        server.setHttpsConfigurator(new HttpsConfigurator(context) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters ssl = context.getDefaultSSLParameters();
                ssl.setWantClientAuth(clientAuth != ClientAuth.NONE);
                params.setSSLParameters(ssl);
            }
        });
        return server;
    }

    /**
     * The viewer of an HTTPS request: its client certificate's principal, judged by {@code authorizer}.
     *
     * @throws ConsoleError 403 when {@code tls.client.auth=required} and the browser sent no certificate
     */
    Viewer viewer(HttpExchange exchange, Authorizer authorizer) {
        Principal principal = exchange instanceof HttpsExchange https
            ? Authentication.principalOf(https.getSSLSession()) : Principal.ANONYMOUS;
        if (clientAuth == ClientAuth.REQUIRED && principal.equals(Principal.ANONYMOUS)) {
            throw new ConsoleError(403, "no client certificate: " + LISTENER + " requires one signed by the cluster's CA "
                + "(tls.client.auth=required); import yours into the browser (a browser also sends none when its "
                + "certificate's issuer is not that CA)");
        }
        return new Viewer(principal, authorizer);
    }
}
