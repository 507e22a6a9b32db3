package io.runnel.metadata.quorum;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.runnel.metadata.controller.BrokerDecisions;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.security.NodePrincipals;
import io.runnel.security.TlsFiles;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18: Raft's own gRPC transport verifies that a voter's certificate names the address the
 * voter is reached at, as the client and broker channels do. A voter whose certificate is from the
 * cluster's CA and has the right node principal, but whose subject alternative names do not cover
 * the address in the voter list, is refused by the voters that dial it: the leader cannot append
 * to it, so it takes no part in the quorum, while the other two go on. Real Ratis voters with
 * mutual TLS on loopback; the certificates come from scripts/make-certs and openssl.
 */
class RaftHostNameVerificationTest {
    /**
     * Longer than QuorumServerTest's 300 ms: the first TLS handshakes on a loaded 2-core machine take
     * seconds, and a leader that hears nothing for an election timeout steps down.
     */
    private static final long ELECTION_TIMEOUT_MS = 1_000;
    /** Every voter's Raft address, all on loopback. */
    private final Map<Integer, InetSocketAddress> voters = new HashMap<>();
    /** The voters started, by id, stopped after the test. */
    private final Map<Integer, QuorumServer> servers = new TreeMap<>();
    @TempDir
    Path tmp;

    @AfterEach
    void stopVoters() {
        for (QuorumServer voter : servers.values()) {
            voter.close();
        }
    }

    @Test
    void aVoterWhoseCertificateDoesNotNameItsAddress_isRefused_untilItShowsOneThatDoes() throws Exception {
        Path certs = tmp.resolve("certs");
        run(List.of("bash", script("make-certs").toString(), "--out", certs.toString(), "--nodes", "3", "--days", "2"));
        // Node 3's principal from the same CA, valid only for a name the voters do not reach it at.
        run(List.of("openssl", "req", "-new", "-key", certs.resolve("node-3-key.pem").toString(), "-subj", "/CN=runnel-node-3",
            "-out", certs.resolve("misnamed.csr").toString()));
        Path ext = Files.writeString(certs.resolve("misnamed.ext"), "basicConstraints=critical,CA:FALSE\n"
            + "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=DNS:elsewhere.invalid\n");
        run(List.of("openssl", "x509", "-req", "-in", certs.resolve("misnamed.csr").toString(), "-CA", certs.resolve("ca.pem").toString(),
            "-CAkey", certs.resolve("ca-key.pem").toString(), "-set_serial", "0x7e57", "-days", "2", "-extfile", ext.toString(),
            "-out", certs.resolve("misnamed.pem").toString()));
        // Node 3 reads its certificate from a file of its own, replaced later (the files are followed).
        Path node3Cert = tmp.resolve("node-3-current.pem");
        Files.copy(certs.resolve("misnamed.pem"), node3Cert);

        for (int id = 1; id <= 3; id++) {
            voters.put(id, new InetSocketAddress("127.0.0.1", freePort()));
        }
        // Nodes 1 and 2 first, so they (whose certificates name 127.0.0.1) hold the leadership: node 3
        // could otherwise win an election, since it dials the others and their certificates are right.
        start(1, new TlsFiles(certs.resolve("ca.pem"), certs.resolve("node-1.pem"), certs.resolve("node-1-key.pem")));
        start(2, new TlsFiles(certs.resolve("ca.pem"), certs.resolve("node-2.pem"), certs.resolve("node-2-key.pem")));
        awaitLeader();
        start(3, new TlsFiles(certs.resolve("ca.pem"), node3Cert, certs.resolve("node-3-key.pem")));

        for (int b = 1; b <= 3; b++) {
            register(b);
        }
        // Both of nodes 1 and 2 have every registration (a shared machine may move the leadership between them).
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> servers.get(1).image().brokers().size() == 3
            && servers.get(2).image().brokers().equals(servers.get(1).image().brokers()));
        MetadataImage committed = servers.get(1).image();
        // The leader's handshakes with node 3 fail host-name verification: nothing reaches node 3,
        // and its elections get nowhere while the leader is alive (pre-vote), so it never leads.
        Awaitility.await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5))
            .until(() -> servers.get(3).image().brokers().isEmpty() && !servers.get(3).isActiveController());

        // The same key with a certificate that names 127.0.0.1: node 3 is let in and catches up, so
        // what kept it out was the name, not the CA, the principal or the key.
        Files.copy(certs.resolve("node-3.pem"), node3Cert, StandardCopyOption.REPLACE_EXISTING);
        Files.setLastModifiedTime(node3Cert, FileTime.from(Instant.now().plusSeconds(5)));
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> servers.get(3).image().brokers().equals(committed.brokers()));
    }

    private void start(int id, TlsFiles files) throws IOException {
        QuorumSettings settings = new QuorumSettings(id, voters, "127.0.0.1", tmp.resolve("node-" + id),
            QuorumSettings.DEFAULT_CLUSTER_ID, ELECTION_TIMEOUT_MS, 10_000, false, files.loadReloading(),
            new NodePrincipals(NodePrincipals.DEFAULT_TEMPLATE));
        servers.put(id, new QuorumServer(settings).start());
    }

    /** Registers broker {@code id} through whichever of the voters leads, retried across a change of leader. */
    private void register(int id) {
        Awaitility.await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
            QuorumServer leader = awaitLeader();
            if (!leader.image().brokers().containsKey(id)) {
                assertEquals(ErrorCode.NONE, leader.propose(BrokerDecisions.registerBroker(leader.image(), id, "inc" + id, "h" + id,
                    9092, "", false)).get(10, TimeUnit.SECONDS).getError());
            }
            return leader.image().brokers().containsKey(id);
        });
    }

    private QuorumServer awaitLeader() {
        Awaitility.await().atMost(Duration.ofSeconds(60))
            .until(() -> servers.values().stream().anyMatch(QuorumServer::isActiveController));
        return servers.values().stream().filter(QuorumServer::isActiveController).findFirst().orElseThrow();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static void run(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException(command.get(0) + " " + command.get(1) + " failed: " + output);
        }
    }

    /** A script of the repository's scripts/, found from the module's directory up. */
    private static Path script(String name) throws IOException {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path candidate = d.resolve("scripts").resolve(name);
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        throw new IOException("scripts/" + name + " not found above " + Path.of("").toAbsolutePath());
    }
}
