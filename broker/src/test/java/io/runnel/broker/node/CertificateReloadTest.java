package io.runnel.broker.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.TlsChannelCredentials;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.runnel.proto.v1.BrokerGrpc;
import io.runnel.proto.v1.MetadataRequest;
import io.runnel.security.TlsMaterial;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A node's certificate rotated on disk is shown to new connections without a restart (tls.* files reloaded). */
class CertificateReloadTest {
    @TempDir
    Path tmp;

    private static BigInteger serial(Path pem) throws IOException, CertificateException {
        try (InputStream in = Files.newInputStream(pem)) {
            return ((X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in)).getSerialNumber();
        }
    }

    /** Trusts what the CA trusts and remembers the serial of the server certificate it was shown. */
    private static final class Recording extends X509ExtendedTrustManager {
        private final X509ExtendedTrustManager ca;
        final AtomicReference<BigInteger> shown = new AtomicReference<>();

        Recording(X509ExtendedTrustManager ca) {
            this.ca = ca;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            ca.checkServerTrusted(chain, authType, engine);
            shown.set(chain[0].getSerialNumber());
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            ca.checkServerTrusted(chain, authType, socket);
            shown.set(chain[0].getSerialNumber());
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            ca.checkServerTrusted(chain, authType);
            shown.set(chain[0].getSerialNumber());
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            ca.checkClientTrusted(chain, authType, engine);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            ca.checkClientTrusted(chain, authType, socket);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            ca.checkClientTrusted(chain, authType);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return ca.getAcceptedIssuers();
        }
    }

    /** The serial of the certificate the node shows a new connection (one Metadata call on it). */
    private static BigInteger served(TestCluster cluster, TlsMaterial client) throws InterruptedException {
        Recording recording = new Recording(client.trustManager());
        ChannelCredentials credentials = TlsChannelCredentials.newBuilder().keyManager(client.keyManager())
            .trustManager(recording).build();
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", cluster.clientPort(1), credentials).build();
        try {
            BrokerGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS).metadata(MetadataRequest.getDefaultInstance());
            return recording.shown.get();
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void aRotatedNodeCertificate_isShownToNewConnections_andBrokenFilesLeaveTheOldOneInUse() throws Exception {
        Path certs = tmp.resolve("certs");
        TestCertificates files = TestCertificates.make(certs, "reload-test-ca", 1, "alice");
        TlsMaterial alice = files.client("alice").load();
        Path nodeCert = certs.resolve("node-1.pem");
        BigInteger first = serial(nodeCert);
        try (TestCluster cluster = TestCluster.start(tmp.resolve("data"), 1, files::nodeSettings, alice.channelCredentials())) {
            assertEquals(first, served(cluster, alice));
            ManagedChannel open = cluster.clientChannel(1);
            HealthGrpc.newBlockingStub(open).check(HealthCheckRequest.getDefaultInstance());

            // Half-written files (a certificate that is not PEM) are not taken: the node goes on with the old one.
            Files.writeString(nodeCert, "not a certificate");
            Awaitility.await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(10))
                .until(() -> first.equals(served(cluster, alice)));

            TestCertificates.make(certs, "reload-test-ca", 1, "alice"); // the same CA (make-certs reuses it), a new node certificate
            BigInteger second = serial(nodeCert);
            assertNotEquals(first, second);
            Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> second.equals(served(cluster, alice)));
            HealthGrpc.newBlockingStub(open).check(HealthCheckRequest.getDefaultInstance()); // the connection opened before goes on
        }
    }
}
