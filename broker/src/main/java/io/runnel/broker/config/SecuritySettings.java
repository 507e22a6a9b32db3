package io.runnel.broker.config;

import io.runnel.security.ClientAuth;
import io.runnel.security.ClusterAccess;
import io.runnel.security.NodePrincipals;
import io.runnel.security.Principal;
import io.runnel.security.TlsFiles;
import io.runnel.security.TlsMaterial;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A node's TLS and identity settings. Off by default (every listener plaintext, every caller
 * anonymous, as before); {@code tls.enabled=true} turns on TLS on every listener and on Raft, with
 * client certificates required on the internal and controller listeners and on Raft, and as
 * {@code tls.client.auth} says on the client listener.
 *
 * @param tls        the node's CA, certificate and key files, or null when TLS is off
 * @param clientAuth what the client listener asks of clients ({@code tls.client.auth})
 * @param nodes      which principals are cluster nodes ({@code cluster.principal})
 * @param authorizer whether brokers check ACLs, and the super users ({@code authorizer.enabled}, {@code super.users})
 */
public record SecuritySettings(TlsFiles tls, ClientAuth clientAuth, NodePrincipals nodes, AuthorizerSettings authorizer) {
    public static final String TLS_ENABLED = "tls.enabled";
    public static final String TLS_CERT_FILE = "tls.cert.file";
    public static final String TLS_KEY_FILE = "tls.key.file";
    public static final String TLS_CA_FILE = "tls.ca.file";
    public static final String TLS_CLIENT_AUTH = "tls.client.auth";
    public static final String CLUSTER_PRINCIPAL = "cluster.principal";
    static final List<String> KEYS = List.of(TLS_ENABLED, TLS_CERT_FILE, TLS_KEY_FILE, TLS_CA_FILE, TLS_CLIENT_AUTH,
        CLUSTER_PRINCIPAL, AuthorizerSettings.AUTHORIZER_ENABLED, AuthorizerSettings.SUPER_USERS);

    public static final SecuritySettings PLAINTEXT = new SecuritySettings(null, ClientAuth.REQUIRED,
        new NodePrincipals(NodePrincipals.DEFAULT_TEMPLATE), AuthorizerSettings.DISABLED);

    public boolean tlsEnabled() {
        return tls != null;
    }

    /** The checks on cluster-only services: enforced with TLS, none in plaintext (nobody is authenticated). */
    public ClusterAccess clusterAccess() {
        return tls == null ? ClusterAccess.open() : ClusterAccess.enforced(nodes);
    }

    /**
     * The loaded TLS material, or empty when TLS is off. It follows the files: certificates
     * rotated on disk are used by new connections without a restart ({@link TlsFiles#loadReloading}).
     */
    public Optional<TlsMaterial> load() {
        return tls == null ? Optional.empty() : Optional.of(tls.loadReloading());
    }

    /**
     * Reads the keys above from {@code settings}; with TLS on, loads the files and checks that the
     * certificate is node {@code nodeId}'s principal. Problems go to {@code problems}, each naming its key.
     */
    static SecuritySettings parse(Map<String, String> settings, int nodeId, List<String> problems) {
        boolean enabled = SettingValues.bool(settings, TLS_ENABLED, "false", problems);
        ClientAuth clientAuth = ClientAuth.REQUIRED;
        try {
            clientAuth = ClientAuth.parse(settings.getOrDefault(TLS_CLIENT_AUTH, "required"));
        } catch (IllegalArgumentException e) {
            problems.add(TLS_CLIENT_AUTH + ": " + e.getMessage());
        }
        NodePrincipals nodes = PLAINTEXT.nodes();
        try {
            nodes = new NodePrincipals(settings.getOrDefault(CLUSTER_PRINCIPAL, NodePrincipals.DEFAULT_TEMPLATE));
        } catch (IllegalArgumentException e) {
            problems.add(CLUSTER_PRINCIPAL + ": " + e.getMessage());
        }
        AuthorizerSettings authorizer = AuthorizerSettings.parse(settings, problems);
        if (!enabled) {
            for (String key : List.of(TLS_CERT_FILE, TLS_KEY_FILE, TLS_CA_FILE)) {
                if (settings.containsKey(key)) {
                    problems.add(key + " is set but " + TLS_ENABLED + " is not true");
                }
            }
            return new SecuritySettings(null, clientAuth, nodes, authorizer);
        }
        int before = problems.size();
        for (String key : List.of(TLS_CA_FILE, TLS_CERT_FILE, TLS_KEY_FILE)) {
            if (settings.getOrDefault(key, "").isBlank()) {
                problems.add(key + " is required with " + TLS_ENABLED + "=true (a PEM file)");
            }
        }
        if (problems.size() > before) {
            return new SecuritySettings(null, clientAuth, nodes, authorizer);
        }
        TlsFiles files = new TlsFiles(Path.of(settings.get(TLS_CA_FILE)), Path.of(ofNode(settings.get(TLS_CERT_FILE), nodeId)),
            Path.of(ofNode(settings.get(TLS_KEY_FILE), nodeId)));
        try {
            TlsMaterial material = files.load();
            Principal own = material.principal().orElseThrow();
            if (nodeId >= 0 && !own.equals(nodes.principal(nodeId))) {
                problems.add(TLS_CERT_FILE + " authenticates as " + own + " but node " + nodeId + " must be "
                    + nodes.principal(nodeId) + " (" + CLUSTER_PRINCIPAL + "=" + nodes + "); the other nodes would refuse it");
            }
        } catch (IllegalArgumentException e) {
            problems.add(keyOf(e.getMessage(), files) + ": " + e.getMessage());
        }
        return new SecuritySettings(files, clientAuth, nodes, authorizer);
    }

    /**
     * A certificate or key path with {@code {id}} replaced by the node id, so nodes that share their
     * settings (a StatefulSet's pods, whose id is their hostname ordinal) each read their own files
     * from one directory: {@code tls.cert.file=/etc/runnel/tls/node-{id}.pem}.
     */
    private static String ofNode(String path, int nodeId) {
        return nodeId < 0 ? path : path.replace(NodePrincipals.ID, Integer.toString(nodeId));
    }

    /** The setting whose file a load error names (each message starts with the file). */
    private static String keyOf(String message, TlsFiles files) {
        if (message.startsWith(files.keyFile().toString())) {
            return TLS_KEY_FILE;
        }
        if (message.startsWith(files.certFile().toString())) {
            return TLS_CERT_FILE;
        }
        return message.startsWith(files.caFile().toString()) ? TLS_CA_FILE : "tls";
    }
}
