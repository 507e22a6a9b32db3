package io.runnel.client.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.runnel.broker.node.TestCertificates;
import io.runnel.broker.node.TestCluster;
import io.runnel.client.admin.RunnelAdmin.AdminException;
import io.runnel.client.admin.RunnelAdmin;
import io.runnel.client.cli.RunnelCli;
import io.runnel.client.consumer.ConsumerRecord;
import io.runnel.client.consumer.GroupConfig;
import io.runnel.client.consumer.RebalanceListener;
import io.runnel.client.consumer.RunnelConsumer;
import io.runnel.client.producer.ProducerConfig;
import io.runnel.client.producer.ProducerRecord;
import io.runnel.client.producer.RunnelProducer;
import io.runnel.client.producer.RunnelProducer.ProduceException;
import io.runnel.metadata.acl.AclBinding;
import io.runnel.proto.v1.AclEntry;
import io.runnel.proto.v1.AclOperation;
import io.runnel.proto.v1.AclPatternType;
import io.runnel.proto.v1.AclPermission;
import io.runnel.proto.v1.AclResourceType;
import io.runnel.proto.v1.BrokerGrpc;
import io.runnel.proto.v1.ConsumerGroupHeartbeatRequest;
import io.runnel.proto.v1.ConsumerGroupHeartbeatResponse;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.DeleteGroupsRequest;
import io.runnel.proto.v1.DeleteRecordsPartition;
import io.runnel.proto.v1.DeleteRecordsRequest;
import io.runnel.proto.v1.DescribeGroupsRequest;
import io.runnel.proto.v1.FindCoordinatorRequest;
import io.runnel.proto.v1.FindCoordinatorResponse;
import io.runnel.proto.v1.GroupGrpc;
import io.runnel.proto.v1.InitProducerIdRequest;
import io.runnel.proto.v1.InitProducerIdResponse;
import io.runnel.proto.v1.MetadataRequest;
import io.runnel.proto.v1.OffsetCommitPartition;
import io.runnel.proto.v1.OffsetCommitPartitionResponse;
import io.runnel.proto.v1.OffsetCommitRequest;
import io.runnel.proto.v1.OffsetCommitResponse;
import io.runnel.proto.v1.OffsetCommitTopic;
import io.runnel.proto.v1.MetadataResponse;
import io.runnel.proto.v1.PartitionProduceData;
import io.runnel.proto.v1.PublishAck;
import io.runnel.proto.v1.PublishMessage;
import io.runnel.proto.v1.PublishOpen;
import io.runnel.proto.v1.PublishRequest;
import io.runnel.proto.v1.PublishResponse;
import io.runnel.proto.v1.PartitionProduceResponse;
import io.runnel.proto.v1.ProduceRequest;
import io.runnel.proto.v1.Record;
import io.runnel.proto.v1.RecordList;
import io.runnel.proto.v1.StreamGrpc;
import io.runnel.proto.v1.TopicMetadata;
import io.runnel.proto.v1.TopicProduceData;
import io.runnel.security.TlsFiles;
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
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * ACLs on a secured 3-node cluster (mutual TLS, authorizer.enabled=true, super.users=User:CN=admin),
 * one for the class. Each principal (a client certificate CN) is used by one test only, so the
 * tests do not depend on each other's ACLs; the controller restart runs last.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AclClusterTest {
    @TempDir
    static Path tmp;
    private static TestCertificates certs;
    private static TestCluster cluster;
    private static RunnelAdmin admin;
    private static final List<ManagedChannel> channels = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        certs = TestCertificates.make(tmp.resolve("certs"), "acl-test-ca", 3, "admin", "bob", "carol", "dave", "erin", "frank", "grace");
        cluster = AclClusters.start(tmp.resolve("data"), certs, 3);
        admin = new RunnelAdmin(cluster.bootstrap(), certs.client("admin"));
        for (String topic : List.of("orders", "sales.eu", "sales.secret", "events", "hidden")) {
            cluster.createTopic(topic, 1, 3, Map.of());
        }
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> List.of("orders", "sales.eu", "sales.secret", "events", "hidden")
            .stream().allMatch(t -> leader(t) >= 0));
    }

    @AfterAll
    static void stop() throws InterruptedException {
        AclClusters.close(admin, channels, cluster);
    }

    private static int leader(String topic) {
        var t = cluster.node(cluster.runningIds().iterator().next()).controllerClient().image().topics().get(topic);
        return t == null ? -1 : t.partitions().get(0).leader();
    }

    private static ManagedChannel channel(int id, TlsFiles as) {
        ManagedChannel c = NettyChannelBuilder.forAddress("127.0.0.1", cluster.clientPort(id), as.load().channelCredentials()).build();
        channels.add(c);
        return c;
    }

    /** Produces one record to partition 0 of {@code topic} at its leader, as {@code as}. */
    private static PartitionProduceResponse produce(TlsFiles as, String topic) {
        return BrokerGrpc.newBlockingStub(channel(leader(topic), as)).withDeadlineAfter(15, TimeUnit.SECONDS)
            .produce(ProduceRequest.newBuilder().setAcks(-1).setTimeoutMs(10_000).addTopics(TopicProduceData.newBuilder()
                .setTopic(topic).addPartitions(PartitionProduceData.newBuilder().setPartition(0).setRecords(RecordList.newBuilder()
                    .addRecords(Record.newBuilder().setValue(ByteString.copyFromUtf8("v")))))).build())
            .getTopics(0).getPartitions(0);
    }

    private static AclEntry acl(AclPermission permission, String principal, AclOperation op, AclResourceType type, String name,
                                AclPatternType pattern) {
        return AclEntry.newBuilder().setPermission(permission).setPrincipal(principal).setOperation(op).setResourceType(type)
            .setResourceName(name).setPatternType(pattern).build();
    }

    /** Adds the bindings as the super user and waits until every broker's image has them. */
    private static void addAcls(AclEntry... acls) {
        admin.createAcls(List.of(acls));
        Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> cluster.runningIds().stream().allMatch(id -> {
            var image = cluster.node(id).controllerClient().image().acls();
            return List.of(acls).stream().allMatch(a -> image.bindings().contains(AclBinding.fromProto(a)));
        }));
    }

    @Test
    @Order(1)
    void withoutWrite_produceIsRefusedNamingWhatWasMissing_othersAreServed_andAfterAnAclItProduces() {
        PartitionProduceResponse refused = produce(certs.client("bob"), "orders");
        assertEquals(ErrorCode.TOPIC_AUTHORIZATION_FAILED, refused.getError());
        assertEquals("User:CN=bob is not allowed WRITE on TOPIC orders", refused.getErrorMessage());
        assertEquals(-1, refused.getBaseOffset());
        assertEquals(ErrorCode.NONE, produce(certs.client("admin"), "orders").getError(), "the super user is served meanwhile");
        InitProducerIdResponse noId = BrokerGrpc.newBlockingStub(channel(1, certs.client("bob")))
            .initProducerId(InitProducerIdRequest.getDefaultInstance());
        assertEquals(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, noId.getError());
        assertTrue(noId.getErrorMessage().contains("User:CN=bob is not allowed IDEMPOTENT_WRITE on CLUSTER"), noId.getErrorMessage());

        addAcls(acl(AclPermission.ALLOW, "User:CN=bob", AclOperation.WRITE, AclResourceType.TOPIC, "orders", AclPatternType.LITERAL));
        assertEquals(ErrorCode.NONE, produce(certs.client("bob"), "orders").getError());
        assertEquals(ErrorCode.TOPIC_AUTHORIZATION_FAILED, produce(certs.client("bob"), "events").getError(), "only orders");
        assertEquals(ErrorCode.NONE, BrokerGrpc.newBlockingStub(channel(1, certs.client("bob")))
            .initProducerId(InitProducerIdRequest.getDefaultInstance()).getError(), "WRITE on a topic allows a producer id");
    }

    @Test
    @Order(2)
    void prefixedAllow_coversItsTopics_andADenyBeatsIt() {
        addAcls(acl(AclPermission.ALLOW, "User:CN=carol", AclOperation.WRITE, AclResourceType.TOPIC, "sales.", AclPatternType.PREFIXED),
            acl(AclPermission.DENY, "User:CN=carol", AclOperation.WRITE, AclResourceType.TOPIC, "sales.secret", AclPatternType.LITERAL));
        assertEquals(ErrorCode.NONE, produce(certs.client("carol"), "sales.eu").getError());
        PartitionProduceResponse denied = produce(certs.client("carol"), "sales.secret");
        assertEquals(ErrorCode.TOPIC_AUTHORIZATION_FAILED, denied.getError());
        assertEquals("User:CN=carol is not allowed WRITE on TOPIC sales.secret", denied.getErrorMessage());
        assertEquals(ErrorCode.TOPIC_AUTHORIZATION_FAILED, produce(certs.client("carol"), "orders").getError());
    }

    @Test
    @Order(3)
    void metadata_listsOnlyTopicsTheCallerMayDescribe_andRefusesOthersAskedByName() {
        addAcls(acl(AclPermission.ALLOW, "User:CN=dave", AclOperation.DESCRIBE, AclResourceType.TOPIC, "orders", AclPatternType.LITERAL),
            acl(AclPermission.ALLOW, "User:CN=dave", AclOperation.READ, AclResourceType.TOPIC, "sales.", AclPatternType.PREFIXED));
        BrokerGrpc.BrokerBlockingStub dave = BrokerGrpc.newBlockingStub(channel(2, certs.client("dave")));
        List<String> listed = dave.metadata(MetadataRequest.getDefaultInstance()).getTopicsList().stream()
            .map(TopicMetadata::getName).toList();
        assertEquals(List.of("orders", "sales.eu", "sales.secret"), listed, "READ implies DESCRIBE; hidden, events and "
            + "__consumer_offsets are not listed");
        MetadataResponse named = dave.metadata(MetadataRequest.newBuilder().addTopics("hidden").build());
        assertEquals(ErrorCode.TOPIC_AUTHORIZATION_FAILED, named.getTopics(0).getError());
        assertEquals(0, named.getTopics(0).getPartitionsCount());

        // Dave sees orders but may write nowhere: the Java producer (idempotent) gets no producer id and fails its
        // records with that refusal at once, instead of waiting out its delivery timeout.
        try (RunnelProducer producer = new RunnelProducer(ProducerConfig.defaults(cluster.bootstrap()), certs.client("dave"))) {
            ExecutionException failed = assertThrows(ExecutionException.class, () -> producer.send(new ProducerRecord("orders", null,
                "x".getBytes(StandardCharsets.UTF_8))).get(30, TimeUnit.SECONDS));
            ProduceException cause = assertInstanceOf(ProduceException.class, failed.getCause());
            assertEquals(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, cause.code());
            assertTrue(cause.getMessage().contains("User:CN=dave is not allowed IDEMPOTENT_WRITE on CLUSTER"), cause.getMessage());
            // A topic he may not even DESCRIBE looks missing to him, so its record waits for metadata: it
            // fails with the same refusal at once too (it waited out delivery.timeout.ms before).
            ExecutionException hidden = assertThrows(ExecutionException.class, () -> producer.send(new ProducerRecord("hidden",
                null, "x".getBytes(StandardCharsets.UTF_8))).get(30, TimeUnit.SECONDS));
            assertEquals(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, assertInstanceOf(ProduceException.class, hidden.getCause()).code());
        }

        try (RunnelAdmin asDave = new RunnelAdmin(cluster.bootstrap(), certs.client("dave"))) {
            assertEquals(Set.of("orders", "sales.eu", "sales.secret"), Set.copyOf(asDave.describeCluster().getImage().getTopicsList()
                .stream().map(t -> t.getName()).toList()), "DescribeCluster shows the same topics");
            AdminException create = assertThrows(AdminException.class, () -> asDave.createTopic("daves", 1, 1, Map.of()));
            assertEquals(ErrorCode.TOPIC_AUTHORIZATION_FAILED, create.code());
            assertTrue(create.getMessage().contains("User:CN=dave is not allowed CREATE on TOPIC daves"), create.getMessage());
        }
    }

    @Test
    @Order(4)
    void groupConsume_needsReadOnTheTopicAndTheGroup() throws Exception {
        try (RunnelProducer producer = new RunnelProducer(ProducerConfig.defaults(cluster.bootstrap()), certs.client("admin"))) {
            for (int i = 0; i < 5; i++) {
                producer.send(new ProducerRecord("events", null, ("e" + i).getBytes(StandardCharsets.UTF_8))).get(30, TimeUnit.SECONDS);
            }
        }
        addAcls(acl(AclPermission.ALLOW, "User:CN=erin", AclOperation.READ, AclResourceType.TOPIC, "events", AclPatternType.LITERAL));
        GroupGrpc.GroupBlockingStub erin = GroupGrpc.newBlockingStub(channel(1, certs.client("erin")));
        FindCoordinatorResponse find = erin.findCoordinator(FindCoordinatorRequest.newBuilder().setGroupId("erins").build());
        assertEquals(ErrorCode.GROUP_AUTHORIZATION_FAILED, find.getError());
        assertEquals("User:CN=erin is not allowed DESCRIBE on GROUP erins", find.getErrorMessage());
        ConsumerGroupHeartbeatResponse join = erin.consumerGroupHeartbeat(ConsumerGroupHeartbeatRequest.newBuilder()
            .setGroupId("erins").setMemberId(UUID.randomUUID().toString()).setMemberEpoch(0).addSubscribedTopics("events").build());
        assertEquals(ErrorCode.GROUP_AUTHORIZATION_FAILED, join.getError());
        assertEquals("User:CN=erin is not allowed READ on GROUP erins", join.getErrorMessage());

        addAcls(acl(AclPermission.ALLOW, "User:CN=erin", AclOperation.READ, AclResourceType.GROUP, "erins", AclPatternType.LITERAL));
        Set<String> seen = ConcurrentHashMap.newKeySet();
        try (RunnelConsumer consumer = new RunnelConsumer(cluster.bootstrap(), certs.client("erin"), RunnelConsumer.OffsetReset.EARLIEST,
            1 << 20, GroupConfig.of("erins").withSessionTimeoutMs(2000))) {
            consumer.subscribe(List.of("events"), RebalanceListener.NONE);
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
                for (ConsumerRecord r : consumer.poll(Duration.ofMillis(100))) {
                    seen.add(new String(r.value(), StandardCharsets.UTF_8));
                }
                return seen.size() == 5;
            });
            consumer.commitSync();
        }
        assertEquals(Set.of("e0", "e1", "e2", "e3", "e4"), seen);
    }

    @Test
    @Order(5)
    void superUserAndClusterNodes_needNoAcls() {
        assertEquals(ErrorCode.NONE, produce(certs.client("admin"), "hidden").getError());
        assertEquals(ErrorCode.NONE, produce(certs.node(2), "hidden").getError(), "a node's certificate on the client listener");
        List<String> listed = BrokerGrpc.newBlockingStub(channel(3, certs.node(3))).metadata(MetadataRequest.getDefaultInstance())
            .getTopicsList().stream().map(TopicMetadata::getName).toList();
        assertTrue(listed.contains("hidden") && listed.contains("__consumer_offsets"), listed.toString());
    }

    @Test
    @Order(5)
    void adminAndGroupCalls_areRefusedPerTopicOrGroup_namingWhatWasMissing() {
        try (RunnelAdmin grace = new RunnelAdmin(cluster.bootstrap(), certs.client("grace"))) {
            assertRefused(ErrorCode.TOPIC_AUTHORIZATION_FAILED, "User:CN=grace is not allowed DELETE on TOPIC orders",
                () -> grace.deleteTopic("orders"));
            assertRefused(ErrorCode.TOPIC_AUTHORIZATION_FAILED, "User:CN=grace is not allowed ALTER_CONFIGS on TOPIC orders",
                () -> grace.alterConfigs("orders", Map.of("retention.ms", "1000")));
            assertRefused(ErrorCode.TOPIC_AUTHORIZATION_FAILED, "User:CN=grace is not allowed ALTER on TOPIC orders",
                () -> grace.createPartitions("orders", 2));
            assertRefused(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, "User:CN=grace is not allowed DESCRIBE on CLUSTER",
                () -> grace.describeAcls(AclEntry.getDefaultInstance()));
            assertTrue(grace.listGroups().isEmpty(), "erins (test 4) is not listed to grace");
            assertTrue(admin.listGroups().stream().anyMatch(g -> g.groupId().equals("erins")));
        }
        assertEquals(1, admin.describeTopic("orders").getPartitionsCount(), "the refused CreatePartitions changed nothing");

        addAcls(acl(AclPermission.ALLOW, "User:CN=grace", AclOperation.READ, AclResourceType.GROUP, "graces", AclPatternType.LITERAL),
            acl(AclPermission.ALLOW, "User:CN=grace", AclOperation.READ, AclResourceType.TOPIC, "sales.eu", AclPatternType.LITERAL));
        GroupGrpc.GroupBlockingStub grace = GroupGrpc.newBlockingStub(channel(1, certs.client("grace")));
        int coordinator = grace.findCoordinator(FindCoordinatorRequest.newBuilder().setGroupId("graces").build()).getCoordinator()
            .getId();
        OffsetCommitResponse commit = GroupGrpc.newBlockingStub(channel(coordinator, certs.client("grace")))
            .offsetCommit(OffsetCommitRequest.newBuilder().setGroupId("graces")
                .addTopics(OffsetCommitTopic.newBuilder().setTopic("events").addPartitions(OffsetCommitPartition.newBuilder()
                    .setPartition(0).setOffset(1)))
                .addTopics(OffsetCommitTopic.newBuilder().setTopic("sales.eu").addPartitions(OffsetCommitPartition.newBuilder()
                    .setPartition(0).setOffset(1))).build());
        Map<String, OffsetCommitPartitionResponse> byTopic = new HashMap<>();
        commit.getTopicsList().forEach(t -> byTopic.put(t.getTopic(), t.getPartitions(0)));
        assertEquals(ErrorCode.TOPIC_AUTHORIZATION_FAILED, byTopic.get("events").getError());
        assertEquals("User:CN=grace is not allowed READ on TOPIC events", byTopic.get("events").getErrorMessage());
        assertEquals(ErrorCode.NONE, byTopic.get("sales.eu").getError(), "the topic grace may read is committed");

        var described = grace.describeGroups(DescribeGroupsRequest.newBuilder().addGroupIds("erins").build()).getGroups(0);
        assertEquals(ErrorCode.GROUP_AUTHORIZATION_FAILED, described.getError());
        assertEquals("User:CN=grace is not allowed DESCRIBE on GROUP erins", described.getErrorMessage());

        // Issue 16's day-2 calls, as Kafka checks them: DeleteGroups needs DELETE on the group,
        // DeleteRecords DELETE on the topic; refused ones change nothing.
        var deleted = GroupGrpc.newBlockingStub(channel(admin.describeGroup("erins").coordinatorId(), certs.client("grace")))
            .deleteGroups(DeleteGroupsRequest.newBuilder().addGroupIds("erins").build()).getResults(0);
        assertEquals(ErrorCode.GROUP_AUTHORIZATION_FAILED, deleted.getError());
        assertEquals("User:CN=grace is not allowed DELETE on GROUP erins", deleted.getErrorMessage());
        assertTrue(admin.listGroups().stream().anyMatch(g -> g.groupId().equals("erins")));
        var trimmed = BrokerGrpc.newBlockingStub(channel(leader("orders"), certs.client("grace")))
            .deleteRecords(DeleteRecordsRequest.newBuilder().addPartitions(DeleteRecordsPartition.newBuilder().setTopic("orders")
                .setPartition(0).setBeforeOffset(-1)).build()).getResults(0);
        assertEquals(ErrorCode.TOPIC_AUTHORIZATION_FAILED, trimmed.getError());
        assertEquals("User:CN=grace is not allowed DELETE on TOPIC orders", trimmed.getErrorMessage());
        assertEquals(Map.of(0, 0L), admin.offsets("orders", RunnelAdmin.EARLIEST));
    }

    /** Opens a Publish stream as {@code as} through a broker that does not lead {@code topic} and sends one message. */
    private static List<Object> publishOne(TlsFiles as, String topic) {
        StreamAnswers<PublishResponse> answers = new StreamAnswers<>();
        List<Object> received = answers.received;
        StreamObserver<PublishRequest> requests = StreamGrpc.newStub(channel(leader(topic) % 3 + 1, as)).publish(answers);
        requests.onNext(PublishRequest.newBuilder().setOpen(PublishOpen.getDefaultInstance()).build());
        requests.onNext(PublishRequest.newBuilder().setMessage(PublishMessage.newBuilder().setSequence(0).setTopic(topic)
            .addRecords(Record.newBuilder().setValue(ByteString.copyFromUtf8("streamed")))).build());
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> received.stream()
            .anyMatch(r -> r instanceof Throwable || r instanceof PublishResponse p && p.hasAck()));
        requests.onCompleted();
        return received;
    }

    @Test
    @Order(5)
    void streamService_checksTheCallersAcls_thoughItForwardsAsTheBroker() {
        // Bob may write to orders (test 1), not to events: the broker forwards his message to the leader
        // as itself (a node principal) and so checks bob's WRITE itself, refusing as Produce does.
        PublishAck refused = publishOne(certs.client("bob"), "events").stream().filter(r -> r instanceof PublishResponse p && p.hasAck())
            .map(r -> ((PublishResponse) r).getAck()).findFirst().orElseThrow();
        assertEquals(ErrorCode.TOPIC_AUTHORIZATION_FAILED, refused.getError());
        assertEquals("User:CN=bob is not allowed WRITE on TOPIC events", refused.getErrorMessage());

        PublishAck ack = publishOne(certs.client("bob"), "orders").stream().filter(r -> r instanceof PublishResponse p && p.hasAck())
            .map(r -> ((PublishResponse) r).getAck()).findFirst().orElseThrow();
        assertEquals(ErrorCode.NONE, ack.getError(), ack.getErrorMessage());
    }

    private static void assertRefused(ErrorCode code, String message, Runnable call) {
        AdminException e = assertThrows(AdminException.class, call::run);
        assertEquals(code, e.code(), e.getMessage());
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    private static String[] cli(TlsFiles as, String... args) {
        List<String> all = new ArrayList<>(List.of("--bootstrap", cluster.bootstrap(), "--tls-ca", as.caFile().toString(),
            "--tls-cert", as.certFile().toString(), "--tls-key", as.keyFile().toString()));
        all.addAll(List.of(args));
        return all.toArray(new String[0]);
    }

    /** Exit code, stdout and stderr of one CLI run. */
    private record Run(int code, String out, String err) {
    }

    private static Run run(TlsFiles as, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = RunnelCli.run(cli(as, args), new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    @Order(6)
    void cli_addsListsAndRemovesAcls_andNamesBadInput() {
        TlsFiles adminFiles = certs.client("admin");
        Run add = run(adminFiles, "acl", "add", "--allow", "--principal", "User:CN=frank", "--operation", "WRITE",
            "--operation", "describe", "--topic", "sales.", "--prefixed");
        assertEquals(0, add.code(), add.err());
        assertTrue(add.out().contains("Added 2 bindings"), add.out());
        Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> produce(certs.client("frank"), "sales.eu").getError()
            == ErrorCode.NONE);

        Run list = run(adminFiles, "acl", "list", "--principal", "User:CN=frank");
        assertEquals(0, list.code(), list.err());
        assertEquals("ALLOW User:CN=frank WRITE on TOPIC sales. (PREFIXED)\nALLOW User:CN=frank DESCRIBE on TOPIC sales. (PREFIXED)\n",
            list.out().replace("\r", ""), "sorted by operation: WRITE before DESCRIBE, as acl.proto numbers them");

        Run notAllowed = run(certs.client("frank"), "acl", "add", "--allow", "--principal", "User:CN=frank", "--operation", "ALL",
            "--cluster");
        assertEquals(1, notAllowed.code(), notAllowed.err());
        assertTrue(notAllowed.err().contains("User:CN=frank is not allowed ALTER on CLUSTER"), notAllowed.err());

        Run remove = run(adminFiles, "acl", "remove", "--principal", "User:CN=frank", "--topic", "sales.", "--prefixed");
        assertEquals(0, remove.code(), remove.err());
        assertTrue(remove.out().contains("Removed 2 bindings"), remove.out());
        assertEquals("", run(adminFiles, "acl", "list", "--principal", "User:CN=frank").out());
        Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> produce(certs.client("frank"), "sales.eu").getError()
            == ErrorCode.TOPIC_AUTHORIZATION_FAILED);

        assertBadInput("unknown operation 'WRIT' (one of ALL, READ, WRITE", "acl", "add", "--allow", "--principal", "User:CN=x",
            "--operation", "WRIT", "--topic", "t");
        assertBadInput("--principal: is empty", "acl", "add", "--allow", "--principal", "", "--operation", "READ", "--topic", "t");
        assertBadInput("principal 'alice' is not <type>:<name>", "acl", "add", "--deny", "--principal", "alice", "--operation",
            "READ", "--topic", "t");
        assertBadInput("no resource: give --topic <name>, --group <id> or --cluster", "acl", "add", "--allow", "--principal",
            "User:CN=x", "--operation", "READ");
        assertBadInput("give --allow or --deny", "acl", "add", "--principal", "User:CN=x", "--operation", "READ", "--group", "g");
    }

    private static void assertBadInput(String expected, String... args) {
        Run r = run(certs.client("admin"), args);
        assertEquals(2, r.code(), r.out() + r.err());
        assertTrue(r.err().contains(expected), r.err());
    }

    @Test
    @Order(7)
    void acls_surviveARestartOfTheActiveController() throws Exception {
        AclEntry bobWrites = acl(AclPermission.ALLOW, "User:CN=bob", AclOperation.WRITE, AclResourceType.TOPIC, "orders",
            AclPatternType.LITERAL);
        addAcls(bobWrites);
        int controller = cluster.node(1).controllerClient().controllerId();
        cluster.halt(controller);
        cluster.restart(controller);
        cluster.awaitLiveBrokers(3);
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> cluster.node(controller).controllerClient().image().acls()
            .bindings().contains(AclBinding.fromProto(bobWrites)));
        assertTrue(admin.describeAcls(AclEntry.newBuilder().setPrincipal("User:CN=bob").build()).contains(bobWrites));
        Awaitility.await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
            .until(() -> produce(certs.client("bob"), "orders").getError() == ErrorCode.NONE);
        assertEquals(ErrorCode.TOPIC_AUTHORIZATION_FAILED, produce(certs.client("bob"), "hidden").getError());
    }
}
