package io.runnel.client.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.runnel.broker.node.TestCluster;
import io.runnel.proto.v1.BrokerGrpc;
import io.runnel.proto.v1.BrokerInfo;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.FindCoordinatorRequest;
import io.runnel.proto.v1.FindCoordinatorResponse;
import io.runnel.proto.v1.GroupGrpc;
import io.runnel.proto.v1.MetadataRequest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16 items 1 and 8, as the compose cluster meets them: brokers advertise names only their
 * own network resolves ({@code node-N.runnel.invalid}, as compose's service names look from the
 * host), and each has an external listener advertised as {@code localhost:<port>}. A client that
 * bootstraps from the external listeners gets external addresses in Metadata and FindCoordinator
 * and produces and consumes; one that bootstraps from the client listeners gets the unresolvable
 * names, and the CLI gives up within its deadline naming the address it could not reach.
 */
class ExternalListenerTest {
    @TempDir
    static Path tmp;
    private static TestCluster cluster;
    private static final int[] EXTERNAL = new int[3];

    @BeforeAll
    static void start() throws Exception {
        for (int id = 1; id <= 2; id++) {
            EXTERNAL[id] = freePort();
        }
        // Port 0 in an advertised address: the listener's own port.
        cluster = TestCluster.start(tmp, 2, id -> Map.of("advertised.listener", "node-" + id + ".runnel.invalid:0",
            "external.listener", "127.0.0.1:" + EXTERNAL[id], "external.advertised.listener", "localhost:" + EXTERNAL[id],
            "offsets.topic.replication.factor", "2", "offsets.topic.num.partitions", "2"), InsecureChannelCredentials.create());
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static String externalBootstrap() {
        return "localhost:" + EXTERNAL[1] + ",localhost:" + EXTERNAL[2];
    }

    private static int cli(String stdin, StringWriter out, StringWriter err, String bootstrap, String... args) {
        InputStream saved = System.in;
        try {
            System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
            return Cli.run(bootstrap, out, err, args);
        } finally {
            System.setIn(saved);
        }
    }

    private static List<String> brokersSeenAt(int port) {
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        try {
            return BrokerGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                .metadata(MetadataRequest.getDefaultInstance()).getBrokersList().stream()
                .map(b -> b.getId() + "@" + b.getHost() + ":" + b.getPort()).sorted().toList();
        } finally {
            channel.shutdownNow();
        }
    }

    @Test
    void metadata_namesTheAddressesOfTheListenerItCameIn() {
        List<String> internal = List.of("1@node-1.runnel.invalid:" + cluster.clientPort(1),
            "2@node-2.runnel.invalid:" + cluster.clientPort(2));
        List<String> external = List.of("1@localhost:" + EXTERNAL[1], "2@localhost:" + EXTERNAL[2]);
        for (int id = 1; id <= 2; id++) {
            assertEquals(internal, brokersSeenAt(cluster.clientPort(id)), "client listener of node " + id);
            assertEquals(external, brokersSeenAt(EXTERNAL[id]), "external listener of node " + id);
        }
    }

    @Test
    void findCoordinator_onTheExternalListener_namesTheCoordinatorsExternalAddress() {
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", EXTERNAL[2]).usePlaintext().build();
        try {
            AtomicReference<FindCoordinatorResponse> found = new AtomicReference<>();
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
                found.set(GroupGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
                    .findCoordinator(FindCoordinatorRequest.newBuilder().setGroupId("billing").build()));
                return found.get().getError() == ErrorCode.NONE;
            });
            BrokerInfo coordinator = found.get().getCoordinator();
            assertEquals("localhost:" + EXTERNAL[coordinator.getId()], coordinator.getHost() + ":" + coordinator.getPort());
        } finally {
            channel.shutdownNow();
        }
    }

    @Test
    void cli_throughTheExternalListeners_producesAndConsumes() {
        StringWriter err = new StringWriter();
        assertEquals(0, cli("", new StringWriter(), err, externalBootstrap(), "topic", "create", "outside", "--partitions", "2",
            "--replication-factor", "2"), err.toString());
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> brokersSeenAt(EXTERNAL[2]).size() == 2
            && cli("", new StringWriter(), new StringWriter(), externalBootstrap(), "topic", "describe", "outside") == 0);
        assertEquals(0, cli("a\nb\nc\n", new StringWriter(), err, externalBootstrap(), "produce", "outside"), err.toString());
        StringWriter out = new StringWriter();
        assertEquals(0, cli("", out, err, externalBootstrap(), "consume", "outside", "--from-beginning", "--max-messages", "3",
            "--timeout-ms", "20000"), err.toString());
        assertEquals(List.of("a", "b", "c"), out.toString().lines().sorted().toList());
    }

    /**
     * Issue 16 item 8: the CLI on the host bootstrapped from a client listener learns names it
     * cannot resolve. It used to wait out the two-minute delivery timeout and then say only
     * "not acknowledged"; now it gives up at --timeout-ms naming the partition and the address.
     */
    @Test
    void cli_givenAddressesItCannotResolve_endsAtItsDeadline_namingTheAddress() {
        StringWriter err = new StringWriter();
        assertEquals(0, cli("", new StringWriter(), err, externalBootstrap(), "topic", "create", "unreachable", "--partitions",
            "1", "--replication-factor", "2"), err.toString());
        String clientBootstrap = "127.0.0.1:" + cluster.clientPort(1);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> cli("", new StringWriter(), new StringWriter(),
            clientBootstrap, "topic", "describe", "unreachable") == 0);
        long start = System.nanoTime();
        StringWriter failed = new StringWriter();
        assertEquals(1, cli("x\n", new StringWriter(), failed, clientBootstrap, "produce", "unreachable", "--timeout-ms", "3000"));
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(tookMs < 60_000, "ended at its deadline, not the 2-minute default: " + tookMs + " ms");
        String message = failed.toString();
        assertTrue(message.contains("unreachable-0: not acknowledged within delivery.timeout.ms (3000 ms)"), message);
        assertTrue(message.contains(".runnel.invalid"), "names the address it could not reach: " + message);
    }
}
