package io.runnel.security;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Optional;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * A key manager showing the certificate of {@link ReloadingFiles}' current generation. Choosing an
 * alias starts a handshake, so that is where the files are checked; the alias names the
 * generation ({@code self#N}), and the chain and key are then taken from that same generation.
 * {@link TlsFiles#KEY_ALIAS} stands for the current one.
 */
final class ReloadingKeyManager extends X509ExtendedKeyManager {
    private static final String PREFIX = TlsFiles.KEY_ALIAS + "#";
    private final ReloadingFiles files;

    ReloadingKeyManager(ReloadingFiles files) {
        this.files = files;
    }

    private String alias(String chosen) {
        return chosen == null ? null : PREFIX + files.current().number();
    }

    private Optional<X509ExtendedKeyManager> of(String alias) {
        if (TlsFiles.KEY_ALIAS.equals(alias)) {
            return Optional.of(files.current().material().keyManager());
        }
        if (alias == null || !alias.startsWith(PREFIX)) {
            return Optional.empty();
        }
        try {
            return files.generation(Integer.parseInt(alias.substring(PREFIX.length()))).map(g -> g.material().keyManager());
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private X509ExtendedKeyManager current() {
        return files.current().material().keyManager();
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return current().getClientAliases(keyType, issuers);
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return alias(current().chooseClientAlias(keyType, issuers, socket));
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        return current().getServerAliases(keyType, issuers);
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return alias(current().chooseServerAlias(keyType, issuers, socket));
    }

    @Override
    public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
        return alias(current().chooseEngineClientAlias(keyType, issuers, engine));
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return alias(current().chooseEngineServerAlias(keyType, issuers, engine));
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        return of(alias).map(km -> km.getCertificateChain(TlsFiles.KEY_ALIAS)).orElse(null);
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        return of(alias).map(km -> km.getPrivateKey(TlsFiles.KEY_ALIAS)).orElse(null);
    }
}
