package io.runnel.security;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Where a node's or a client's TLS material is: PEM files of the CA certificates to trust, and
 * optionally a certificate chain with its private key to show. Nodes need all three; a client
 * needs the CA file, and a certificate and key when the cluster requires client authentication.
 *
 * @param caFile   CA certificates that sign the certificates of the other side
 * @param certFile this side's certificate chain (leaf first), or null for a client without one
 * @param keyFile  the certificate's unencrypted PKCS#8 private key, or null with {@code certFile}
 */
public record TlsFiles(Path caFile, Path certFile, Path keyFile) {
    /** The alias of the certificate and key in the key manager's store. */
    static final String KEY_ALIAS = "self";

    /** @throws IllegalArgumentException if no CA file is given, or only one of certificate and key */
    public TlsFiles {
        if (caFile == null) {
            throw new IllegalArgumentException("a CA file is needed to verify the other side's certificate");
        }
        if ((certFile == null) != (keyFile == null)) {
            throw new IllegalArgumentException("a certificate file needs its key file and a key file its certificate, got "
                + certFile + " and " + keyFile);
        }
    }

    /** Trust the CA, show no certificate (a client of a cluster without client authentication). */
    public static TlsFiles trustOnly(Path caFile) {
        return new TlsFiles(caFile, null, null);
    }

    /**
     * Reads and checks the files: PEM that parses, a key that matches the certificate, a certificate
     * valid now.
     *
     * @throws IllegalArgumentException naming the file and what is wrong with it
     */
    public TlsMaterial load() {
        X509ExtendedTrustManager trust = trustManager(PemFiles.certificates(caFile));
        if (certFile == null) {
            return new TlsMaterial(null, trust);
        }
        List<X509Certificate> chain = PemFiles.certificates(certFile);
        PrivateKey key = PemFiles.privateKey(keyFile);
        if (!PemFiles.matches(key, chain.get(0))) {
            throw new IllegalArgumentException(keyFile + " is not the private key of the certificate in " + certFile);
        }
        try {
            chain.get(0).checkValidity();
        } catch (CertificateExpiredException | CertificateNotYetValidException e) {
            throw new IllegalArgumentException(certFile + " is not valid now (" + chain.get(0).getNotBefore() + " to "
                + chain.get(0).getNotAfter() + ")", e);
        }
        return new TlsMaterial(keyManager(key, chain), trust);
    }

    /**
     * {@link #load}, and then the files again whenever they change: a handshake at least
     * {@link ReloadingFiles#CHECK_INTERVAL_MS} after the last look checks their modification times,
     * and new handshakes use new files that load and authenticate as the same principal (others
     * are logged and the old material stays). For a node, whose certificates are rotated on disk.
     *
     * @throws IllegalArgumentException naming the file and what is wrong with it, if they do not load now
     */
    public TlsMaterial loadReloading() {
        ReloadingFiles reloading = new ReloadingFiles(this, Clock.systemUTC());
        return new TlsMaterial(certFile == null ? null : new ReloadingKeyManager(reloading), new ReloadingTrustManager(reloading));
    }

    private X509ExtendedTrustManager trustManager(List<X509Certificate> cas) {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            for (int i = 0; i < cas.size(); i++) {
                store.setCertificateEntry("ca-" + i, cas.get(i));
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            for (TrustManager tm : factory.getTrustManagers()) {
                if (tm instanceof X509ExtendedTrustManager x509) {
                    return x509;
                }
            }
            throw new IllegalStateException("the JDK made no X509 trust manager");
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException(caFile + " cannot be used as a trust store: " + e.getMessage(), e);
        }
    }

    private X509ExtendedKeyManager keyManager(PrivateKey key, List<X509Certificate> chain) {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry(KEY_ALIAS, key, new char[0], chain.toArray(new X509Certificate[0]));
            KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            factory.init(store, new char[0]);
            for (KeyManager km : factory.getKeyManagers()) {
                if (km instanceof X509ExtendedKeyManager x509) {
                    return x509;
                }
            }
            throw new IllegalStateException("the JDK made no X509 key manager");
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException(certFile + " and " + keyFile + " cannot be used as a key store: " + e.getMessage(), e);
        }
    }
}
