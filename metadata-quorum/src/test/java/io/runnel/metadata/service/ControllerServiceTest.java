package io.runnel.metadata.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.runnel.metadata.controller.ControllerException;
import io.runnel.metadata.controller.QuorumController;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.metadata.image.PartitionInfo;
import io.runnel.metadata.quorum.QuorumServer;
import io.runnel.metadata.quorum.SingleVoterQuorum;
import io.runnel.proto.v1.BrokerHeartbeatRequest;
import io.runnel.proto.v1.ControllerGrpc;
import io.runnel.proto.v1.CreatePartitionsRequest;
import io.runnel.proto.v1.CreateTopicsRequest;
import io.runnel.proto.v1.Endpoint;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.MetadataEvent;
import io.runnel.proto.v1.RegisterBrokerRequest;
import io.runnel.proto.v1.TopicSpec;
import io.runnel.proto.v1.WatchMetadataRequest;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Controller service over real gRPC on loopback, backed by a real 1-voter Ratis quorum. */
class ControllerServiceTest {
    @TempDir
    Path tmp;
    private QuorumServer quorum;
    private QuorumController controller;
    private ControllerService service;
    private Server server;
    private ManagedChannel channel;
    private ScheduledExecutorService scheduler;
    private ControllerGrpc.ControllerBlockingStub stub;

    @BeforeEach
    void setUp() throws IOException {
        scheduler = Executors.newScheduledThreadPool(2);
        quorum = SingleVoterQuorum.start(tmp.resolve("raft"));
        controller = new QuorumController(quorum, Clock.systemUTC(), scheduler, 60_000, 2_000);
        service = new ControllerService(controller, quorum.stateMachine(), 10);
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(service).build().start();
        channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
        stub = ControllerGrpc.newBlockingStub(channel);
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        service.closeStreams();
        channel.shutdownNow();
        server.shutdownNow();
        server.awaitTermination(5, TimeUnit.SECONDS);
        controller.close();
        quorum.close();
        scheduler.shutdownNow();
    }

    private long register(int id) {
        var r = stub.registerBroker(RegisterBrokerRequest.newBuilder().setBrokerId(id).setIncarnationId("i" + id)
            .setEndpoint(Endpoint.newBuilder().setHost("127.0.0.1").setPort(9000 + id)).build());
        assertEquals(ErrorCode.NONE, r.getError(), r.getErrorMessage());
        return r.getBrokerEpoch();
    }

    /** Collects a watch stream into an image, exactly as a broker does. */
    private static final class Watcher implements StreamObserver<MetadataEvent> {
        final AtomicReference<MetadataImage> image = new AtomicReference<>(MetadataImage.EMPTY);
        final List<MetadataEvent.EventCase> kinds = new ArrayList<>();

        @Override
        public synchronized void onNext(MetadataEvent e) {
            kinds.add(e.getEventCase());
            if (e.hasSnapshot()) {
                image.set(MetadataImage.fromProto(e.getSnapshot()));
            } else if (e.getBatch().getOffset() > image.get().offset()) {
                image.set(image.get().apply(e.getBatch().getBatch(), e.getBatch().getTerm(), e.getBatch().getOffset()).image());
            }
        }

        @Override
        public void onError(Throwable t) {
        }

        @Override
        public void onCompleted() {
        }
    }

    @Test
    void brokerDownThroughManyChanges_catchesUpFromASnapshot_recentOneFromBatches() {
        long epoch = register(1);
        stub.brokerHeartbeat(BrokerHeartbeatRequest.newBuilder().setBrokerId(1).setBrokerEpoch(epoch)
            .setMetadataOffset(quorum.image().offset()).build());
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !quorum.image().brokers().get(1).fenced());
        long recent = quorum.image().offset();
        for (int t = 0; t < 30; t++) {
            var r = stub.createTopics(CreateTopicsRequest.newBuilder().addTopics(TopicSpec.newBuilder().setName("t" + t)
                .setPartitions(2).setReplicationFactor(1)).build());
            assertEquals(ErrorCode.NONE, r.getResults(0).getError(), r.getResults(0).getErrorMessage());
        }
        MetadataImage expected = quorum.image();

        Watcher farBehind = new Watcher();
        ControllerGrpc.newStub(channel).watchMetadata(WatchMetadataRequest.newBuilder().setFromOffset(recent).build(), farBehind);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> expected.equals(farBehind.image.get()));
        assertEquals(MetadataEvent.EventCase.SNAPSHOT, farBehind.kinds.get(0), "30 batches behind a 10-batch window");

        Watcher nearlyCurrent = new Watcher();
        long fromOffset = expected.offset();
        nearlyCurrent.image.set(expected);
        ControllerGrpc.newStub(channel).watchMetadata(WatchMetadataRequest.newBuilder().setFromOffset(fromOffset).build(), nearlyCurrent);
        stub.createTopics(CreateTopicsRequest.newBuilder().addTopics(TopicSpec.newBuilder().setName("live")
            .setPartitions(1).setReplicationFactor(1)).build());
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> nearlyCurrent.image.get().topics().containsKey("live"));
        assertTrue(nearlyCurrent.kinds.stream().allMatch(k -> k == MetadataEvent.EventCase.BATCH));
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> farBehind.image.get().equals(quorum.image()));
    }

    @Test
    void badRequestsGetNamedErrors_andTheQuorumKeepsServing() {
        register(1);
        var bad = stub.createTopics(CreateTopicsRequest.newBuilder()
            .addTopics(TopicSpec.newBuilder().setName("..").setPartitions(1).setReplicationFactor(1))
            .addTopics(TopicSpec.newBuilder().setName("ok").setPartitions(0).setReplicationFactor(1))
            .addTopics(TopicSpec.newBuilder().setName("rf").setPartitions(1).setReplicationFactor(3))
            .addTopics(TopicSpec.newBuilder().setName("cfg").setPartitions(1).setReplicationFactor(1).putConfigs("nope", "1"))
            .addTopics(TopicSpec.newBuilder().setName("huge").setPartitions(Integer.MAX_VALUE).setReplicationFactor(1))
            .build());
        assertEquals(List.of(ErrorCode.INVALID_TOPIC, ErrorCode.INVALID_PARTITIONS, ErrorCode.INVALID_REPLICATION_FACTOR,
            ErrorCode.INVALID_CONFIG, ErrorCode.INVALID_PARTITIONS), bad.getResultsList().stream().map(r -> r.getError()).toList());
        assertTrue(bad.getResults(4).getErrorMessage().contains("over the limit of 10000 (max.partitions.per.topic)"),
            bad.getResults(4).getErrorMessage());
        var grown = stub.createPartitions(CreatePartitionsRequest.newBuilder().setTopic("any").setCount(Integer.MAX_VALUE).build());
        assertEquals(ErrorCode.INVALID_PARTITIONS, grown.getResult().getError(), "the limit is checked first");
        var dup = stub.registerBroker(RegisterBrokerRequest.newBuilder().setBrokerId(1).setIncarnationId("other")
            .setEndpoint(Endpoint.newBuilder().setHost("h").setPort(1)).build());
        assertEquals(ErrorCode.DUPLICATE_BROKER_REGISTRATION, dup.getError());
        assertTrue(register(2) > 0, "still serving");
    }

    @Test
    void alterPartitionsOfOnePartition_areDecidedOneAfterAnother() {
        // A leader whose AlterPartition answer is lost sends it again. The retry must be decided on
        // an image that holds the first (and be refused for its stale epoch), never beside it: a
        // refusal after the epoch checks is what tells a leader its proposal was not committed.
        for (int id = 1; id <= 3; id++) {
            long epoch = register(id);
            stub.brokerHeartbeat(BrokerHeartbeatRequest.newBuilder().setBrokerId(id).setBrokerEpoch(epoch)
                .setMetadataOffset(quorum.image().offset()).build());
        }
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> quorum.image().liveBrokers().size() == 3);
        stub.createTopics(CreateTopicsRequest.newBuilder().addTopics(TopicSpec.newBuilder().setName("isr")
            .setPartitions(1).setReplicationFactor(3)).build());
        PartitionInfo p = quorum.image().topics().get("isr").partitions().get(0);
        int leader = p.leader();
        List<Integer> others = p.replicas().stream().filter(r -> r != leader).toList();
        long brokerEpoch = quorum.image().brokers().get(leader).epoch();
        PartitionInfo shrunk = controller.alterPartition(leader, brokerEpoch, "isr", 0, p.leaderEpoch(), p.partitionEpoch(),
            List.of(leader, others.get(0))).join();

        // Back to back at one epoch: a growth, then a request that is malformed on the image before it.
        CompletableFuture<PartitionInfo> grow = controller.alterPartition(leader, brokerEpoch, "isr", 0, shrunk.leaderEpoch(),
            shrunk.partitionEpoch(), List.of(leader, others.get(0), others.get(1)));
        CompletableFuture<PartitionInfo> second = controller.alterPartition(leader, brokerEpoch, "isr", 0,
            shrunk.leaderEpoch(), shrunk.partitionEpoch(), List.of(leader, others.get(0), 99));
        assertEquals(3, grow.join().isr().size());
        CompletionException refused = assertThrows(CompletionException.class, second::join);
        assertEquals(ErrorCode.INVALID_UPDATE_VERSION, ((ControllerException) refused.getCause()).code(),
            "decided after the growth was applied, so its epoch is stale");
    }
}
