package io.runnel.client.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.runnel.broker.node.TestCertificates;
import io.runnel.broker.node.TestCluster;
import io.runnel.client.admin.RunnelAdmin;
import io.runnel.metadata.acl.AclBinding;
import io.runnel.proto.v1.AclEntry;
import io.runnel.proto.v1.AclOperation;
import io.runnel.proto.v1.AclPatternType;
import io.runnel.proto.v1.AclPermission;
import io.runnel.proto.v1.AclResourceType;
import io.runnel.proto.v1.BrokerGrpc;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.FetchPartition;
import io.runnel.proto.v1.FetchRequest;
import io.runnel.proto.v1.FetchTopic;
import io.runnel.proto.v1.InitProducerIdRequest;
import io.runnel.proto.v1.InitProducerIdResponse;
import io.runnel.proto.v1.PartitionProduceData;
import io.runnel.proto.v1.PartitionProduceResponse;
import io.runnel.proto.v1.ProduceRequest;
import io.runnel.proto.v1.Record;
import io.runnel.proto.v1.RecordList;
import io.runnel.proto.v1.TopicProduceData;
import io.runnel.record.CompressionType;
import io.runnel.record.RecordBatchBuilder;
import io.runnel.security.TlsFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a principal may do is checked on the principal's own calls: producer ids belong to the
 * principal that obtained them. One secured node (mutual TLS, authorizer.enabled=true,
 * super.users=User:CN=admin) for the class; each test uses its own topic.
 */
class PrincipalBoundClusterTest {
    @TempDir
    static Path tmp;
    static TestCertificates certs;
    static TestCluster cluster;
    static RunnelAdmin admin;
    private static final List<ManagedChannel> channels = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        certs = TestCertificates.make(tmp.resolve("certs"), "principal-test-ca", 1, "admin", "alice", "bob", "carol");
        cluster = TestCluster.start(tmp.resolve("data"), 1, id -> {
            Map<String, String> settings = new HashMap<>(certs.nodeSettings(id));
            settings.put("authorizer.enabled", "true");
            settings.put("super.users", "User:CN=admin");
            settings.put("offsets.topic.num.partitions", "1");
            settings.put("offsets.topic.replication.factor", "1");
            settings.put("group.min.session.timeout.ms", "500");
            settings.put("group.heartbeat.interval.ms", "100");
            return settings;
        }, certs.client("admin").load().channelCredentials());
        admin = new RunnelAdmin(cluster.bootstrap(), certs.client("admin"));
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (admin != null) {
            admin.close();
        }
        for (ManagedChannel c : channels) {
            c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    static ManagedChannel channel(TlsFiles as) {
        ManagedChannel c = NettyChannelBuilder.forAddress("127.0.0.1", cluster.clientPort(1), as.load().channelCredentials()).build();
        channels.add(c);
        return c;
    }

    static BrokerGrpc.BrokerBlockingStub broker(TlsFiles as) {
        return BrokerGrpc.newBlockingStub(channel(as)).withDeadlineAfter(15, TimeUnit.SECONDS);
    }

    static void topic(String name) {
        cluster.createTopic(name, 1, 1, Map.of());
        cluster.awaitLeadsAll(1, name, 1);
    }

    static AclEntry allow(String principal, AclOperation op, AclResourceType type, String name) {
        return AclEntry.newBuilder().setPermission(AclPermission.ALLOW).setPrincipal(principal).setOperation(op)
            .setResourceType(type).setResourceName(name).setPatternType(AclPatternType.LITERAL).build();
    }

    /** Adds the bindings as the super user and waits until the broker's image has them. */
    static void addAcls(AclEntry... acls) {
        admin.createAcls(List.of(acls));
        Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> List.of(acls).stream().allMatch(a ->
            cluster.node(1).controllerClient().image().acls().bindings().contains(AclBinding.fromProto(a))));
    }

    private static long producerId(TlsFiles as) {
        InitProducerIdResponse r = broker(as).initProducerId(InitProducerIdRequest.getDefaultInstance());
        assertEquals(ErrorCode.NONE, r.getError(), r.getErrorMessage());
        return r.getProducerId();
    }

    /** One record {@code value} as the first of producer {@code producerId} (epoch 0, sequence 0) on partition 0. */
    private static PartitionProduceResponse produce(TlsFiles as, String topic, long producerId, String value) {
        return produce(as, topic, PartitionProduceData.newBuilder().setPartition(0).setRecords(RecordList.newBuilder()
            .setProducerId(producerId).setProducerEpoch(0).setBaseSequence(0)
            .addRecords(Record.newBuilder().setValue(ByteString.copyFromUtf8(value)))));
    }

    private static PartitionProduceResponse produce(TlsFiles as, String topic, PartitionProduceData.Builder data) {
        return broker(as).produce(ProduceRequest.newBuilder().setAcks(-1).setTimeoutMs(10_000)
                .addTopics(TopicProduceData.newBuilder().setTopic(topic).addPartitions(data)).build())
            .getTopics(0).getPartitions(0);
    }

    private static List<String> values(String topic) {
        return broker(certs.client("admin")).fetch(FetchRequest.newBuilder().setMaxWaitMs(0).setRecordsAsMessages(true)
                .addTopics(FetchTopic.newBuilder().setTopic(topic).addPartitions(FetchPartition.newBuilder().setPartition(0)))
                .build())
            .getTopics(0).getPartitions(0).getRecords().getRecordsList().stream().map(r -> r.getValue().toStringUtf8()).toList();
    }

    @Test
    void aPrincipalCannotWriteWithAnothersProducerId_theOwnerStillCan_andItsRecordIsWritten() {
        topic("payments");
        addAcls(allow("User:CN=alice", AclOperation.WRITE, AclResourceType.TOPIC, "payments"),
            allow("User:CN=bob", AclOperation.WRITE, AclResourceType.TOPIC, "payments"));
        long alices = producerId(certs.client("alice"));

        // Bob, allowed to write, sends alice's next sequence first: were it accepted, alice's real batch
        // would be acked as a duplicate and never written.
        PartitionProduceResponse hijack = produce(certs.client("bob"), "payments", alices, "bob's");
        assertEquals(ErrorCode.INVALID_PRODUCER_ID_MAPPING, hijack.getError());
        assertEquals("User:CN=bob may not write with producer id " + alices + ": InitProducerId gave it to another principal "
            + "(ask InitProducerId for one of your own)", hijack.getErrorMessage());
        ByteString batch = ByteString.copyFrom(new RecordBatchBuilder(CompressionType.NONE).producer(alices, (short) 0, 0)
            .append(0, null, "bob's".getBytes(StandardCharsets.UTF_8)).build());
        assertEquals(ErrorCode.INVALID_PRODUCER_ID_MAPPING, produce(certs.client("bob"), "payments",
            PartitionProduceData.newBuilder().setPartition(0).setRecordBatches(batch)).getError(), "as a record batch too");
        assertEquals(ErrorCode.INVALID_PRODUCER_ID_MAPPING, produce(certs.client("alice"), "payments", alices ^ 1, "forged")
            .getError(), "an id whose tag was changed is nobody's");

        PartitionProduceResponse own = produce(certs.client("alice"), "payments", alices, "alice's");
        assertEquals(ErrorCode.NONE, own.getError(), own.getErrorMessage());
        assertEquals(0, own.getBaseOffset());
        assertEquals(ErrorCode.NONE, produce(certs.client("bob"), "payments", producerId(certs.client("bob")), "bob's").getError(),
            "bob with an id of his own");
        assertEquals(List.of("alice's", "bob's"), values("payments"));
        assertEquals(ErrorCode.NONE, produce(certs.node(1), "payments", alices ^ 1, "node").getError(),
            "cluster nodes are not checked (Stream sessions check their callers themselves)");
    }

    @Test
    void describeCluster_doesNotShowTheProducerIdKey() {
        assertTrue(!cluster.node(1).controllerClient().image().producerIdKey().isEmpty(), "the broker has the key");
        assertTrue(admin.describeCluster().getImage().getProducerIdKey().isEmpty());
    }
}
