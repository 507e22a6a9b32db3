package io.runnel.client.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
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
import io.runnel.proto.v1.PartitionSequence;
import io.runnel.proto.v1.ProduceRequest;
import io.runnel.proto.v1.PublishAck;
import io.runnel.proto.v1.PublishMessage;
import io.runnel.proto.v1.PublishOpen;
import io.runnel.proto.v1.PublishRequest;
import io.runnel.proto.v1.PublishResponse;
import io.runnel.proto.v1.PublishResume;
import io.runnel.proto.v1.Record;
import io.runnel.proto.v1.RecordList;
import io.runnel.proto.v1.StreamGrpc;
import io.runnel.proto.v1.SubscribeOpen;
import io.runnel.proto.v1.SubscribeRequest;
import io.runnel.proto.v1.SubscribeResponse;
import io.runnel.proto.v1.TopicProduceData;
import io.runnel.record.CompressionType;
import io.runnel.record.RecordBatchBuilder;
import io.runnel.security.TlsFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
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
 * principal that obtained them, and Publish and Subscribe streams, which their broker forwards as
 * itself, check their caller's ACLs as the unary calls do. One secured node ({@link AclClusters})
 * for the class; each test uses its own topics and principals.
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
        certs = TestCertificates.make(tmp.resolve("certs"), "principal-test-ca", 1, "admin", "alice", "bob", "carol", "dave");
        cluster = AclClusters.start(tmp.resolve("data"), certs, 1);
        admin = new RunnelAdmin(cluster.bootstrap(), certs.client("admin"));
    }

    @AfterAll
    static void stop() throws InterruptedException {
        AclClusters.close(admin, channels, cluster);
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

    private static StreamAnswers<PublishResponse> publish(TlsFiles as, PublishOpen open, String... topics) {
        StreamAnswers<PublishResponse> answers = new StreamAnswers<>();
        StreamObserver<PublishRequest> requests = StreamGrpc.newStub(channel(as)).publish(answers);
        requests.onNext(PublishRequest.newBuilder().setOpen(open).build());
        for (int i = 0; i < topics.length; i++) {
            requests.onNext(PublishRequest.newBuilder().setMessage(PublishMessage.newBuilder().setSequence(i).setTopic(topics[i])
                .addRecords(Record.newBuilder().setValue(ByteString.copyFromUtf8("streamed " + i)))).build());
        }
        return answers;
    }

    private static PublishAck ack(StreamAnswers<PublishResponse> answers, long sequence) {
        return answers.first(r -> r instanceof PublishResponse p && p.hasAck() && p.getAck().getSequence() == sequence
            ? p.getAck() : null);
    }

    @Test
    void publish_checksTheCallersAcls_perMessage_andGivesTheCallerAProducerIdOfItsOwn() {
        topic("streamed");
        topic("elsewhere");
        Status noWrite = publish(certs.client("carol"), PublishOpen.getDefaultInstance()).failure();
        assertEquals(Status.Code.PERMISSION_DENIED, noWrite.getCode());
        assertEquals("CLUSTER_AUTHORIZATION_FAILED: User:CN=carol is not allowed IDEMPOTENT_WRITE on CLUSTER (nor WRITE on any "
            + "topic)", noWrite.getDescription(), "as InitProducerId refuses it");

        addAcls(allow("User:CN=carol", AclOperation.WRITE, AclResourceType.TOPIC, "streamed"),
            allow("User:CN=bob", AclOperation.WRITE, AclResourceType.TOPIC, "streamed"));
        StreamAnswers<PublishResponse> carol = publish(certs.client("carol"), PublishOpen.getDefaultInstance(), "streamed", "elsewhere");
        assertEquals(ErrorCode.NONE, ack(carol, 0).getError(), ack(carol, 0).getErrorMessage());
        PublishAck refused = ack(carol, 1);
        assertEquals(ErrorCode.TOPIC_AUTHORIZATION_FAILED, refused.getError());
        assertEquals("User:CN=carol is not allowed WRITE on TOPIC elsewhere", refused.getErrorMessage(), "as Produce refuses it");
        assertEquals(List.of("streamed 0"), values("streamed"));
        assertEquals(List.of(), values("elsewhere"));

        long carols = carol.first(r -> r instanceof PublishResponse p && p.hasOpened() ? p.getOpened().getProducerId() : null);
        PartitionProduceResponse unary = produce(certs.client("carol"), "streamed", PartitionProduceData.newBuilder().setPartition(0)
            .setRecords(RecordList.newBuilder().setProducerId(carols).setProducerEpoch(0).setBaseSequence(1)
                .addRecords(Record.newBuilder().setValue(ByteString.copyFromUtf8("unary")))));
        assertEquals(ErrorCode.NONE, unary.getError(), "the stream's producer id is carol's: " + unary.getErrorMessage());
        assertEquals(ErrorCode.INVALID_PRODUCER_ID_MAPPING, produce(certs.client("bob"), "streamed", carols, "bob's").getError());

        Status notHers = publish(certs.client("carol"), PublishOpen.newBuilder().setResume(PublishResume.newBuilder()
            .setProducerId(carols ^ 1).setProducerEpoch(0)).build()).failure();
        assertEquals(Status.Code.PERMISSION_DENIED, notHers.getCode());
        assertEquals("INVALID_PRODUCER_ID_MAPPING: User:CN=carol may not write with producer id " + (carols ^ 1)
            + ": InitProducerId gave it to another principal (ask InitProducerId for one of your own)", notHers.getDescription());
        StreamAnswers<PublishResponse> resumed = publish(certs.client("carol"), PublishOpen.newBuilder().setResume(PublishResume.newBuilder()
            .setProducerId(carols).setProducerEpoch(0).addAcknowledged(PartitionSequence.newBuilder().setTopic("streamed")
                .setPartition(0).setNextPartitionSequence(2))).build(), "streamed");
        assertEquals(ErrorCode.NONE, ack(resumed, 0).getError(), "her own producer resumes");
    }

    private static StreamAnswers<SubscribeResponse> subscribe(TlsFiles as, String group, String... topics) {
        StreamAnswers<SubscribeResponse> answers = new StreamAnswers<>();
        StreamGrpc.newStub(channel(as)).subscribe(answers).onNext(SubscribeRequest.newBuilder().setOpen(SubscribeOpen.newBuilder()
            .setGroupId(group).addAllTopics(List.of(topics)).setSessionTimeoutMs(2000)).build());
        return answers;
    }

    @Test
    void subscribe_needsReadOnTheGroupAndEachTopic() {
        topic("readable");
        topic("unreadable");
        assertEquals(ErrorCode.NONE, produce(certs.client("admin"), "readable", PartitionProduceData.newBuilder().setPartition(0)
            .setRecords(RecordList.newBuilder().addRecords(Record.newBuilder().setValue(ByteString.copyFromUtf8("r0"))))).getError());
        addAcls(allow("User:CN=dave", AclOperation.READ, AclResourceType.TOPIC, "readable"));
        Status noGroup = subscribe(certs.client("dave"), "daves", "readable").failure();
        assertEquals(Status.Code.PERMISSION_DENIED, noGroup.getCode());
        assertEquals("GROUP_AUTHORIZATION_FAILED: User:CN=dave is not allowed READ on GROUP daves", noGroup.getDescription(),
            "as ConsumerGroupHeartbeat refuses it");

        addAcls(allow("User:CN=dave", AclOperation.READ, AclResourceType.GROUP, "daves"));
        Status noTopic = subscribe(certs.client("dave"), "daves", "readable", "unreadable").failure();
        assertEquals("TOPIC_AUTHORIZATION_FAILED: User:CN=dave is not allowed READ on TOPIC unreadable", noTopic.getDescription(),
            "as Fetch refuses it");

        StreamAnswers<SubscribeResponse> dave = subscribe(certs.client("dave"), "daves", "readable");
        assertEquals("r0", dave.first(r -> r instanceof SubscribeResponse s && s.hasRecords()
            ? s.getRecords().getRecords(0).getValue().toStringUtf8() : null));
    }
}
