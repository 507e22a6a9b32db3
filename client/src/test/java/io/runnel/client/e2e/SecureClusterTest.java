package io.runnel.client.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.runnel.broker.node.TestCertificates;
import io.runnel.broker.node.TestCluster;
import io.runnel.broker.partition.Partition;
import io.runnel.broker.grpc.GrpcLeaderEndpoint;
import io.runnel.broker.partition.TopicPartition;
import io.runnel.broker.replication.LeaderEndpoint.PartitionFetch;
import io.runnel.client.admin.RunnelAdmin;
import io.runnel.client.cli.RunnelCli;
import io.runnel.client.common.Bootstrap.ClusterUnreachableException;
import io.runnel.client.consumer.ConsumerRecord;
import io.runnel.client.consumer.GroupConfig;
import io.runnel.client.consumer.RebalanceListener;
import io.runnel.client.consumer.RunnelConsumer;
import io.runnel.client.producer.ProducerConfig;
import io.runnel.client.producer.ProducerRecord;
import io.runnel.client.producer.RunnelProducer;
import io.runnel.metadata.image.PartitionInfo;
import io.runnel.proto.v1.AddVoterRequest;
import io.runnel.proto.v1.BrokerGrpc;
import io.runnel.proto.v1.BrokerHeartbeatRequest;
import io.runnel.proto.v1.ControllerGrpc;
import io.runnel.proto.v1.Endpoint;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.PartitionProduceData;
import io.runnel.proto.v1.ProduceRequest;
import io.runnel.proto.v1.PublishAck;
import io.runnel.proto.v1.PublishMessage;
import io.runnel.proto.v1.PublishOpen;
import io.runnel.proto.v1.PublishRequest;
import io.runnel.proto.v1.PublishResponse;
import io.runnel.proto.v1.Record;
import io.runnel.proto.v1.RecordList;
import io.runnel.proto.v1.ReplicaFetchPartition;
import io.runnel.proto.v1.ReplicaFetchRequest;
import io.runnel.proto.v1.ReplicationGrpc;
import io.runnel.proto.v1.StreamGrpc;
import io.runnel.proto.v1.TopicProduceData;
import io.runnel.security.TlsFiles;
import io.runnel.security.TlsMaterial;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A secured 3-node cluster (TLS with client certificates on every listener and on Raft) on
 * loopback, one for the class to keep the suite short. The Java client with its CA and certificate
 * produces acks=all and consumes in a group; replication runs over TLS; and each refusal is clear
 * while the cluster keeps serving the legitimate client: a client without a certificate (or whose
 * certificate from another CA the JDK therefore does not send) gets UNAUTHENTICATED saying so, a
 * client that does not trust the cluster's CA fails the handshake (UNAVAILABLE, an SSL cause), a client certificate on the
 * cluster's own services and a node speaking for another node get PERMISSION_DENIED, and a client
 * certificate fails the Raft handshake.
 */
class SecureClusterTest {
    private static final TopicPartition TP = new TopicPartition("secure", 0);

    @TempDir
    static Path tmp;
    private static TestCertificates certs;
    private static TestCertificates otherCa;
    private static TestCluster cluster;
    private static final List<ManagedChannel> channels = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        certs = TestCertificates.make(tmp.resolve("certs"), "runnel-test-ca", 3, "alice");
        otherCa = TestCertificates.make(tmp.resolve("other-ca"), "someone-elses-ca", 0, "mallory");
        cluster = TestCluster.start(tmp.resolve("data"), 3, id -> {
            Map<String, String> settings = new HashMap<>(certs.nodeSettings(id));
            settings.put("replica.lag.time.max.ms", "60000");
            settings.put("offsets.topic.num.partitions", "1");
            settings.put("offsets.topic.replication.factor", "3");
            settings.put("group.min.session.timeout.ms", "500");
            settings.put("group.heartbeat.interval.ms", "100");
            return settings;
        }, certs.client("alice").load().channelCredentials());
        cluster.createTopic("secure", 1, 3, Map.of("min.insync.replicas", "3"));
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> partitionInfo().leader() >= 0
            && partitionInfo().isr().size() == 3 && cluster.node(partitionInfo().leader()).replicaManager().partition(TP)
                .map(Partition::isLeader).orElse(false));
    }

    @AfterAll
    static void stop() throws InterruptedException {
        for (ManagedChannel c : channels) {
            c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    private static PartitionInfo partitionInfo() {
        return cluster.node(1).controllerClient().image().topics().get("secure").partitions().get(0);
    }

    private static int leader() {
        return partitionInfo().leader();
    }

    private static ManagedChannel channel(int port, TlsFiles as) {
        ManagedChannel c = NettyChannelBuilder.forAddress("127.0.0.1", port, as.load().channelCredentials()).build();
        channels.add(c);
        return c;
    }

    private static ErrorCode produceAcksAll(String value) {
        return BrokerGrpc.newBlockingStub(channel(cluster.clientPort(leader()), certs.client("alice")))
            .withDeadlineAfter(15, TimeUnit.SECONDS)
            .produce(ProduceRequest.newBuilder().setAcks(-1).setTimeoutMs(10_000)
                .addTopics(TopicProduceData.newBuilder().setTopic("secure").addPartitions(PartitionProduceData.newBuilder()
                    .setPartition(0).setRecords(RecordList.newBuilder().addRecords(Record.newBuilder()
                        .setValue(ByteString.copyFromUtf8(value))))))
                .build()).getTopics(0).getPartitions(0).getError();
    }

    private static long highWatermark() {
        return cluster.node(leader()).replicaManager().partition(TP).orElseThrow().highWatermark();
    }

    /** "I have everything the leader has", as replica {@code replicaId}. */
    private static ReplicaFetchRequest forgedFetch(int replicaId) {
        return ReplicaFetchRequest.newBuilder().setReplicaId(replicaId).setMaxWaitMs(0).setMinBytes(0)
            .addPartitions(ReplicaFetchPartition.newBuilder().setTopic("secure").setPartition(0)
                .setFetchOffset(cluster.node(leader()).replicaManager().partition(TP).orElseThrow().logEndOffset())
                .setCurrentLeaderEpoch(partitionInfo().leaderEpoch()).setLastFetchedEpoch(-1).setMaxBytes(1 << 20))
            .build();
    }

    private static void assertDenied(StatusRuntimeException e, String... parts) {
        assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode(), e.getMessage());
        for (String part : parts) {
            assertTrue(e.getStatus().getDescription().contains(part), "'" + part + "' in " + e.getMessage());
        }
    }

    @Test
    void securedCluster_replicatesAcksAllProduceOverTls() {
        long before = highWatermark();
        for (int i = 0; i < 5; i++) {
            assertEquals(ErrorCode.NONE, produceAcksAll("r" + i));
        }
        // min.insync.replicas=3: each acknowledgement needed both followers' fetches over the TLS internal listener.
        assertEquals(before + 5, highWatermark());
        for (int id : List.of(1, 2, 3)) {
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> cluster.logEndOffset(id, "secure", 0) == before + 5);
        }
    }

    /** The Publish stream's broker forwards to the leader's client listener over TLS, as itself (its node certificate). */
    @Test
    void publishStream_toANonLeader_isForwardedToTheLeaderOverTls() {
        long before = highWatermark();
        int via = leader() % 3 + 1;
        List<PublishResponse> received = new CopyOnWriteArrayList<>();
        StreamObserver<PublishRequest> requests = StreamGrpc.newStub(channel(cluster.clientPort(via), certs.client("alice")))
            .publish(new StreamObserver<>() {
                @Override
                public void onNext(PublishResponse value) {
                    received.add(value);
                }

                @Override
                public void onError(Throwable t) {
                }

                @Override
                public void onCompleted() {
                }
            });
        requests.onNext(PublishRequest.newBuilder().setOpen(PublishOpen.getDefaultInstance()).build());
        requests.onNext(PublishRequest.newBuilder().setMessage(PublishMessage.newBuilder().setSequence(0).setTopic("secure")
            .addRecords(Record.newBuilder().setValue(ByteString.copyFromUtf8("streamed")))).build());
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> received.stream().anyMatch(PublishResponse::hasAck));
        PublishAck ack = received.stream().filter(PublishResponse::hasAck).findFirst().orElseThrow().getAck();
        assertEquals(ErrorCode.NONE, ack.getError(), ack.getErrorMessage());
        assertEquals(before, ack.getOffset());
        requests.onCompleted();
    }

    @Test
    void internalListener_refusesAClientPrincipal_andANodePosingAsAnother() {
        int leader = leader();
        int follower = partitionInfo().replicas().stream().filter(id -> id != leader).findFirst().orElseThrow();
        int other = partitionInfo().replicas().stream().filter(id -> id != leader && id != follower).findFirst().orElseThrow();
        long hw = highWatermark();

        StatusRuntimeException client = assertThrows(StatusRuntimeException.class, () -> ReplicationGrpc
            .newBlockingStub(channel(cluster.internalPort(leader), certs.client("alice"))).withDeadlineAfter(10, TimeUnit.SECONDS)
            .replicaFetch(forgedFetch(follower)));
        assertDenied(client, "User:CN=alice", "not a cluster principal");

        StatusRuntimeException posing = assertThrows(StatusRuntimeException.class, () -> ReplicationGrpc
            .newBlockingStub(channel(cluster.internalPort(leader), certs.node(other))).withDeadlineAfter(10, TimeUnit.SECONDS)
            .replicaFetch(forgedFetch(follower)));
        assertDenied(posing, "replica_id " + follower, "User:CN=runnel-node-" + other, "(node " + other + ")");

        // The same through the ReplicaFetchStream followers use: the stream fails with the same refusal.
        GrpcLeaderEndpoint stream = new GrpcLeaderEndpoint("127.0.0.1", cluster.internalPort(leader),
            certs.node(other).load().channelCredentials(), 5000);
        try {
            ReplicaFetchRequest forged = forgedFetch(follower);
            StatusRuntimeException posingOnStream = assertThrows(StatusRuntimeException.class, () -> stream.fetch(follower, 0, 0,
                List.of(new PartitionFetch(TP, forged.getPartitions(0).getFetchOffset(), forged.getPartitions(0).getCurrentLeaderEpoch(),
                    -1, 1 << 20))));
            assertDenied(posingOnStream, "replica_id " + follower, "User:CN=runnel-node-" + other);
        } finally {
            stream.close();
        }
        assertEquals(hw, highWatermark());
        assertEquals(ErrorCode.NONE, produceAcksAll("after-forged-fetches"));
    }

    @Test
    void controllerApi_refusesAClientPrincipal_andAHeartbeatForAnotherNode() {
        int controller = 1;
        BrokerHeartbeatRequest fence = BrokerHeartbeatRequest.newBuilder().setBrokerId(2)
            .setBrokerEpoch(cluster.node(2).controllerClient().brokerEpoch()).setWantShutdown(true).build();

        StatusRuntimeException client = assertThrows(StatusRuntimeException.class, () -> ControllerGrpc
            .newBlockingStub(channel(cluster.controllerPort(controller), certs.client("alice")))
            .withDeadlineAfter(10, TimeUnit.SECONDS).brokerHeartbeat(fence));
        assertDenied(client, "User:CN=alice", "not a cluster principal", "BrokerHeartbeat");

        StatusRuntimeException addVoter = assertThrows(StatusRuntimeException.class, () -> ControllerGrpc
            .newBlockingStub(channel(cluster.controllerPort(controller), certs.client("alice")))
            .withDeadlineAfter(10, TimeUnit.SECONDS).addVoter(AddVoterRequest.newBuilder().setNodeId(9)
                .setRaftEndpoint(Endpoint.newBuilder().setHost("127.0.0.1").setPort(1)).build()));
        assertDenied(addVoter, "User:CN=alice", "AddVoter");

        StatusRuntimeException posing = assertThrows(StatusRuntimeException.class, () -> ControllerGrpc
            .newBlockingStub(channel(cluster.controllerPort(controller), certs.node(3)))
            .withDeadlineAfter(10, TimeUnit.SECONDS).brokerHeartbeat(fence));
        assertDenied(posing, "broker_id 2", "User:CN=runnel-node-3", "(node 3)");

        // Broker 2 was not fenced by either: it still heartbeats, and acks=all (all three in sync) completes.
        assertTrue(!cluster.node(2).controllerClient().isFenced());
        assertEquals(3, cluster.node(1).controllerClient().image().liveBrokers().size());
        assertEquals(ErrorCode.NONE, produceAcksAll("after-forged-heartbeats"));
    }

    @Test
    void raftPort_refusesAClientCertificate_inTheHandshake() throws Exception {
        int raftPort = cluster.controllerPort(1) + 1;
        SSLException refused = assertThrows(SSLException.class, () -> handshakeAndRead(raftPort, certs.client("alice")));
        assertTrue(refused.getMessage() != null, "the TLS layer says why: " + refused);
        // A node's certificate passes: the server answers the HTTP/2 preface with its settings.
        assertTrue(handshakeAndRead(raftPort, certs.node(2)) >= 0);
    }

    /**
     * A TLS handshake to {@code port} as {@code as}, the HTTP/2 preface, then one byte of the answer
     * (TLS 1.3 reports a refused client certificate at the first read).
     */
    private static int handshakeAndRead(int port, TlsFiles as) throws Exception {
        TlsMaterial material = as.load();
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(new KeyManager[] {material.keyManager()}, new TrustManager[] {material.trustManager()}, null);
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port)) {
            socket.setSoTimeout(5000);
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setApplicationProtocols(new String[] {"h2"});
            socket.setSSLParameters(parameters);
            socket.startHandshake();
            socket.getOutputStream().write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            return socket.getInputStream().read();
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Produces {@code count} records acks=all as alice and reads them back as a member of a group. */
    private static void produceAndConsumeInAGroup(String topic, String group, int count) throws Exception {
        TlsFiles alice = certs.client("alice");
        try (RunnelProducer producer = new RunnelProducer(ProducerConfig.defaults(cluster.bootstrap()), alice)) {
            for (int i = 0; i < count; i++) {
                producer.send(new ProducerRecord(topic, bytes("k" + i), bytes(topic + "-" + i))).get(30, TimeUnit.SECONDS);
            }
        }
        Set<String> seen = ConcurrentHashMap.newKeySet();
        try (RunnelConsumer consumer = new RunnelConsumer(cluster.bootstrap(), alice, RunnelConsumer.OffsetReset.EARLIEST,
            1 << 20, GroupConfig.of(group).withSessionTimeoutMs(2000))) {
            consumer.subscribe(List.of(topic), RebalanceListener.NONE);
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
                for (ConsumerRecord r : consumer.poll(Duration.ofMillis(100))) {
                    seen.add(new String(r.value(), StandardCharsets.UTF_8));
                }
                return seen.size() == count;
            });
            consumer.commitSync();
        }
        for (int i = 0; i < count; i++) {
            assertTrue(seen.contains(topic + "-" + i), topic + "-" + i);
        }
    }

    @Test
    void clientWithItsCertificate_producesAcksAllAndConsumesInAGroup() throws Exception {
        try (RunnelAdmin admin = new RunnelAdmin(cluster.bootstrap(), certs.client("alice"))) {
            admin.createTopic("payments", 2, 3, Map.of("min.insync.replicas", "2"));
        }
        produceAndConsumeInAGroup("payments", "billing", 20);
    }

    @Test
    void clientWithoutCertificate_orFromAnotherCa_isRefused_andTheClusterKeepsServing() throws Exception {
        assertUnauthenticated(TlsFiles.trustOnly(certs.ca()));
        // Mallory trusts our CA (so the server's certificate checks) but has a certificate our CA did not sign: the
        // JDK client sends none, since its issuer is not among the CAs the server asks for.
        assertUnauthenticated(new TlsFiles(certs.ca(), otherCa.client("mallory").certFile(),
            otherCa.client("mallory").keyFile()));
        // And a client that does not trust the cluster's CA refuses the brokers.
        assertHandshakeRefused(otherCa.client("mallory"));

        try (RunnelAdmin admin = new RunnelAdmin(cluster.bootstrap(), certs.client("alice"))) {
            admin.createTopic("after-refusals", 1, 3, Map.of());
        }
        produceAndConsumeInAGroup("after-refusals", "still-served", 5);
    }

    /** A client without a (trusted) certificate: the first broker answers UNAUTHENTICATED, naming what is missing. */
    private static void assertUnauthenticated(TlsFiles tls) {
        try (RunnelAdmin admin = new RunnelAdmin(cluster.bootstrap(), Duration.ZERO, tls)) {
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, admin::listTopics);
            assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode(), e.toString());
            assertTrue(e.getStatus().getDescription().contains("no client certificate: listener requires one signed by the "
                + "cluster's CA (tls.client.auth=required)"), e.toString());
        }
    }

    /** What a refused client sees: no broker answers; the cause is UNAVAILABLE with an SSL exception under it. */
    private static void assertHandshakeRefused(TlsFiles tls) {
        try (RunnelAdmin admin = new RunnelAdmin(cluster.bootstrap(), Duration.ZERO, tls)) {
            ClusterUnreachableException e = assertThrows(ClusterUnreachableException.class, admin::listTopics);
            StatusRuntimeException status = assertInstanceOf(StatusRuntimeException.class, e.getCause(), e.toString());
            assertEquals(Status.Code.UNAVAILABLE, status.getStatus().getCode(), status.toString());
            Throwable cause = status;
            while (cause != null && !(cause instanceof SSLException)) {
                cause = cause.getCause();
            }
            assertInstanceOf(SSLException.class, cause, "an SSL cause under " + status);
        }
    }

    @Test
    void cli_takesTlsOptions_andWithoutACertificateSaysItNeedsOne() {
        TlsFiles alice = certs.client("alice");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int ok = RunnelCli.run(new String[] {"--bootstrap", cluster.bootstrap(), "--tls-ca", alice.caFile().toString(),
            "--tls-cert", alice.certFile().toString(), "--tls-key", alice.keyFile().toString(), "topic", "list"},
            new PrintWriter(out, true), new PrintWriter(err, true));
        assertEquals(0, ok, err.toString());
        assertTrue(out.toString().contains("secure"), out.toString());

        StringWriter refusedErr = new StringWriter();
        int refused = RunnelCli.run(new String[] {"--bootstrap", cluster.bootstrap(), "--tls-ca", alice.caFile().toString(),
            "topic", "list"}, new PrintWriter(new StringWriter(), true), new PrintWriter(refusedErr, true));
        assertEquals(1, refused, refusedErr.toString());
        assertTrue(refusedErr.toString().contains("UNAUTHENTICATED: no client certificate"), refusedErr.toString());

        StringWriter usageErr = new StringWriter();
        assertEquals(2, RunnelCli.run(new String[] {"--bootstrap", cluster.bootstrap(), "--tls-cert",
            alice.certFile().toString(), "topic", "list"}, new PrintWriter(new StringWriter(), true),
            new PrintWriter(usageErr, true)));
        assertTrue(usageErr.toString().contains("--tls-cert and --tls-key need --tls-ca"), usageErr.toString());
    }
}
