package io.runnel.broker.node;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.InsecureChannelCredentials;
import io.grpc.TlsChannelCredentials;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** HealthCheck and ClusterStatus (scripts/cluster --tls) connect with the node's RUNNEL_TLS_* variables. */
class ToolCredentialsTest {
    @Test
    void plaintextUnlessTlsIsEnabled_thenTheNodesFiles(@TempDir Path tmp) throws Exception {
        assertInstanceOf(InsecureChannelCredentials.class, ToolCredentials.fromEnvironment(Map.of()));
        assertInstanceOf(InsecureChannelCredentials.class, ToolCredentials.fromEnvironment(Map.of("RUNNEL_TLS_ENABLED", "false")));

        TestCertificates certs = TestCertificates.make(tmp, "tool-ca", 1);
        Map<String, String> env = Map.of("RUNNEL_TLS_ENABLED", "true", "RUNNEL_TLS_CA_FILE", certs.ca().toString(),
            "RUNNEL_TLS_CERT_FILE", certs.node(1).certFile().toString(), "RUNNEL_TLS_KEY_FILE", certs.node(1).keyFile().toString());
        assertInstanceOf(TlsChannelCredentials.class, ToolCredentials.fromEnvironment(env));

        IllegalArgumentException noCa = assertThrows(IllegalArgumentException.class,
            () -> ToolCredentials.fromEnvironment(Map.of("RUNNEL_TLS_ENABLED", "true")));
        assertTrue(noCa.getMessage().contains("RUNNEL_TLS_CA_FILE"), noCa.getMessage());
    }
}
