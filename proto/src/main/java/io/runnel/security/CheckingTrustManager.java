package io.runnel.security;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.function.Predicate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CA's trust manager plus two things: a principal check (a listener only cluster nodes may
 * reach refuses every other certificate in the handshake) and a log line for every refused
 * certificate, since the refused side only sees its handshake fail.
 */
final class CheckingTrustManager extends X509ExtendedTrustManager {
    private static final Logger log = LoggerFactory.getLogger(CheckingTrustManager.class);

    private final X509ExtendedTrustManager ca;
    private final String listener;
    private final Predicate<Principal> allowed;
    private final String requirement;

    CheckingTrustManager(X509ExtendedTrustManager ca, String listener, Predicate<Principal> allowed, String requirement) {
        this.ca = ca;
        this.listener = listener;
        this.allowed = allowed;
        this.requirement = requirement;
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        check(chain, "client", () -> ca.checkClientTrusted(chain, authType, socket));
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        check(chain, "client", () -> ca.checkClientTrusted(chain, authType, engine));
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain, "client", () -> ca.checkClientTrusted(chain, authType));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        check(chain, "server", () -> ca.checkServerTrusted(chain, authType, socket), () -> ca.checkServerTrusted(chain, authType));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        check(chain, "server", () -> ca.checkServerTrusted(chain, authType, engine), () -> ca.checkServerTrusted(chain, authType));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain, "server", () -> ca.checkServerTrusted(chain, authType));
    }

    private static boolean signedByTheCa(CaCheck chainOnly) {
        try {
            chainOnly.run();
            return true;
        } catch (CertificateException e) {
            return false;
        }
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return ca.getAcceptedIssuers();
    }

    private interface CaCheck {
        void run() throws CertificateException;
    }

    private void check(X509Certificate[] chain, String side, CaCheck caCheck) throws CertificateException {
        check(chain, side, caCheck, null);
    }

    /**
     * @param chainOnly for a server reached at an address: the CA check without the host-name check,
     *                  to tell a certificate that does not name the address from one the CA did not sign
     */
    private void check(X509Certificate[] chain, String side, CaCheck caCheck, CaCheck chainOnly) throws CertificateException {
        String subject = chain == null || chain.length == 0 ? "(none)" : chain[0].getSubjectX500Principal().getName();
        try {
            caCheck.run();
        } catch (CertificateException e) {
            if (chainOnly != null && signedByTheCa(chainOnly)) {
                log.warn("{}: refused the TLS handshake of a {} with certificate '{}': the CA signed it but it does not name "
                    + "the address it was reached at (host-name verification: that host name or IP address must be among "
                    + "its subject alternative names) ({})", listener, side, subject, e.getMessage());
                throw e;
            }
            String issuer = chain == null || chain.length == 0 ? "(none)" : chain[0].getIssuerX500Principal().getName();
            log.warn("{}: refused the TLS handshake of a {} with certificate '{}' issued by '{}': not signed by a CA in "
                + "tls.ca.file ({})", listener, side, subject, issuer, e.getMessage());
            throw e;
        }
        Principal principal = Principal.of(chain[0]);
        if (!allowed.test(principal)) {
            log.warn("{}: refused the TLS handshake of {} {}: {}", listener, side, principal, requirement);
            throw new CertificateException(principal + " may not connect to " + listener + ": " + requirement);
        }
    }
}
