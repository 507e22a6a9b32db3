package io.runnel.broker.node;

import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.runnel.security.TlsFiles;
import java.nio.file.Path;
import java.util.Map;

/**
 * How the node's own command-line tools ({@link HealthCheck}, {@link ClusterStatus}) connect: with
 * the node's TLS settings from the same {@code RUNNEL_TLS_*} variables the node reads, so a
 * container's healthcheck and scripts/cluster work unchanged on a secured node.
 */
final class ToolCredentials {
    private ToolCredentials() {
    }

    /**
     * Plaintext unless {@code RUNNEL_TLS_ENABLED=true}; then TLS with {@code RUNNEL_TLS_CA_FILE} and,
     * if set, {@code RUNNEL_TLS_CERT_FILE} and {@code RUNNEL_TLS_KEY_FILE}.
     *
     * @throws IllegalArgumentException naming a missing variable or a file that does not load
     */
    static ChannelCredentials fromEnvironment(Map<String, String> env) {
        if (!"true".equals(env.get("RUNNEL_TLS_ENABLED"))) {
            return InsecureChannelCredentials.create();
        }
        String ca = env.get("RUNNEL_TLS_CA_FILE");
        if (ca == null || ca.isBlank()) {
            throw new IllegalArgumentException("RUNNEL_TLS_ENABLED=true needs RUNNEL_TLS_CA_FILE");
        }
        String cert = env.get("RUNNEL_TLS_CERT_FILE");
        String key = env.get("RUNNEL_TLS_KEY_FILE");
        return new TlsFiles(Path.of(ca), cert == null ? null : Path.of(cert), key == null ? null : Path.of(key)).load()
            .channelCredentials();
    }
}
