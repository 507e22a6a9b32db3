package io.runnel.broker.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.runnel.broker.config.NodeConfig;
import io.runnel.broker.partition.Partition;
import io.runnel.broker.partition.TopicPartition;
import io.runnel.proto.v1.BrokerGrpc;
import io.runnel.proto.v1.ControllerGrpc;
import io.runnel.proto.v1.CreateTopicsRequest;
import io.runnel.proto.v1.CreateTopicsResponse;
import io.runnel.proto.v1.DescribeClusterRequest;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.FetchPartition;
import io.runnel.proto.v1.FetchRequest;
import io.runnel.proto.v1.FetchTopic;
import io.runnel.proto.v1.MetadataRequest;
import io.runnel.proto.v1.PartitionMetadata;
import io.runnel.proto.v1.PartitionProduceData;
import io.runnel.proto.v1.ProduceRequest;
import io.runnel.proto.v1.Record;
import io.runnel.proto.v1.RecordList;
import io.runnel.proto.v1.TopicProduceData;
import io.runnel.proto.v1.TopicSpec;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.IntPredicate;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three combined nodes (Raft voter + controller + broker each) in one JVM on ephemeral loopback
 * ports: the whole path from topic creation through the quorum to replicated produce and fetch,
 * and leadership moving when a node stops heartbeating.
 */
class RunnelNodeClusterTest {
    @TempDir
    Path tmp;
    private final Map<Integer, RunnelNode> nodes = new HashMap<>();
    private final Map<Integer, int[]> ports = new HashMap<>();
    private final List<ManagedChannel> channels = new ArrayList<>();

    @AfterEach
    void tearDown() {
        channels.forEach(ManagedChannel::shutdownNow);
        nodes.values().forEach(RunnelNode::halt);
    }

    /** A free port whose successor (the Raft port) is free too. */
    private static int freePortPair() throws IOException {
        for (int attempt = 0; attempt < 50; attempt++) {
            try (ServerSocket a = new ServerSocket(0); ServerSocket b = new ServerSocket(a.getLocalPort() + 1)) {
                return a.getLocalPort();
            } catch (IOException taken) {
                // try another
            }
        }
        throw new IOException("no free port pair");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private NodeConfig config(int id, String voters) {
        Properties p = new Properties();
        p.setProperty("node.id", Integer.toString(id));
        p.setProperty("listener", "127.0.0.1:" + ports.get(id)[0]);
        p.setProperty("controller.listener", "127.0.0.1:" + ports.get(id)[1]);
        p.setProperty("internal.listener", "127.0.0.1:0"); // the node binds a free one and registers it
        p.setProperty("advertised.host", "127.0.0.1");
        p.setProperty("quorum.voters", voters);
        p.setProperty("data.dir", tmp.resolve("node-" + id).toString());
        p.setProperty("broker.session.timeout.ms", "2000");
        p.setProperty("broker.heartbeat.interval.ms", "200");
        p.setProperty("replica.lag.time.max.ms", "2000");
        p.setProperty("default.min.insync.replicas", "2");
        return NodeConfig.load(p, Map.of(), "test");
    }

    private ManagedChannel channel(int port) {
        ManagedChannel c = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        channels.add(c);
        return c;
    }

    private ControllerGrpc.ControllerBlockingStub controller(int id) {
        return ControllerGrpc.newBlockingStub(channel(ports.get(id)[1])).withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    private BrokerGrpc.BrokerBlockingStub broker(int id) {
        return BrokerGrpc.newBlockingStub(channel(ports.get(id)[0])).withDeadlineAfter(15, TimeUnit.SECONDS);
    }

    private PartitionMetadata partition(int askId) {
        return broker(askId).metadata(MetadataRequest.newBuilder().addTopics("orders").build()).getTopics(0).getPartitions(0);
    }

    private ErrorCode produce(int broker, String value) {
        return broker(broker).produce(ProduceRequest.newBuilder().setAcks(-1).setTimeoutMs(10_000)
            .addTopics(TopicProduceData.newBuilder().setTopic("orders").addPartitions(PartitionProduceData.newBuilder()
                .setPartition(0).setRecords(RecordList.newBuilder().addRecords(Record.newBuilder()
                    .setValue(ByteString.copyFromUtf8(value))))))
            .build()).getTopics(0).getPartitions(0).getError();
    }

    /**
     * The leader of orders-0 as node {@code askId} sees it, once it is {@code acceptable} and serves
     * the partition: its own metadata may come after the asker's, and until then it answers
     * UNKNOWN_TOPIC_OR_PARTITION or NOT_LEADER.
     */
    private int awaitServingLeader(int askId, IntPredicate acceptable) {
        TopicPartition tp = new TopicPartition("orders", 0);
        int[] leader = new int[1];
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> {
            leader[0] = partition(askId).getLeaderId();
            return leader[0] > 0 && acceptable.test(leader[0]) && nodes.containsKey(leader[0])
                && nodes.get(leader[0]).replicaManager().partition(tp).map(Partition::isLeader).orElse(false);
        });
        return leader[0];
    }

    private void startCluster() throws Exception {
        StringBuilder voters = new StringBuilder();
        for (int id = 1; id <= 3; id++) {
            ports.put(id, new int[] {freePort(), freePortPair(), freePort()});
            voters.append(voters.length() == 0 ? "" : ",").append(id).append("@127.0.0.1:").append(ports.get(id)[1]);
        }
        for (int id = 1; id <= 3; id++) {
            nodes.put(id, new RunnelNode(config(id, voters.toString())).start());
        }
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
            var image = controller(1).describeCluster(DescribeClusterRequest.getDefaultInstance()).getImage();
            return image.getBrokersCount() == 3 && image.getBrokersList().stream().noneMatch(b -> b.getFenced());
        });
    }

    @Test
    void reassignment_movesAPartitionToAnotherBroker_withItsData() throws Exception {
        startCluster();
        var admin = io.runnel.proto.v1.AdminGrpc.newBlockingStub(channel(ports.get(1)[0])).withDeadlineAfter(30, TimeUnit.SECONDS);
        CreateTopicsResponse created = admin.createTopics(CreateTopicsRequest.newBuilder().addTopics(TopicSpec.newBuilder()
            .setName("orders").setPartitions(1).setReplicationFactor(1).putConfigs("min.insync.replicas", "1")).build());
        assertEquals(ErrorCode.NONE, created.getResults(0).getError(), created.getResults(0).getErrorMessage());
        int from = awaitServingLeader(1, id -> true);
        int to = from % 3 + 1;
        for (int i = 0; i < 10; i++) {
            assertEquals(ErrorCode.NONE, produce(from, "m" + i));
        }
        int active = controller(1).describeCluster(DescribeClusterRequest.getDefaultInstance()).getControllerId();
        var reassigned = controller(active).reassignPartition(io.runnel.proto.v1.ReassignPartitionRequest.newBuilder()
            .setTopic("orders").setPartition(0).addReplicas(to).build());
        assertEquals(ErrorCode.NONE, reassigned.getError(), reassigned.getErrorMessage());
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
            PartitionMetadata p = partition(1);
            return p.getReplicasList().equals(List.of(to)) && p.getLeaderId() == to;
        });
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() ->
            nodes.get(from).replicaManager().partition(new TopicPartition("orders", 0)).isEmpty());
        var fetched = broker(to).fetch(FetchRequest.newBuilder().setRecordsAsMessages(true)
            .addTopics(FetchTopic.newBuilder().setTopic("orders").addPartitions(FetchPartition.newBuilder()
                .setFetchOffset(0).setCurrentLeaderEpoch(-1).setPartitionMaxBytes(1 << 20))).build()).getTopics(0).getPartitions(0);
        assertEquals(10, fetched.getRecords().getRecordsCount(), "the data moved with the partition");
    }

    @Test
    void topicThroughTheQuorum_replicatedProduce_andLeadershipMovesWhenALeaderStopsHeartbeating() throws Exception {
        startCluster();

        // Through any broker's Admin service, which forwards to the active controller.
        CreateTopicsRequest create = CreateTopicsRequest.newBuilder().addTopics(TopicSpec.newBuilder().setName("orders")
            .setPartitions(1).setReplicationFactor(3)).build();
        CreateTopicsResponse created = io.runnel.proto.v1.AdminGrpc.newBlockingStub(channel(ports.get(3)[0]))
            .withDeadlineAfter(30, TimeUnit.SECONDS).createTopics(create);
        assertEquals(ErrorCode.NONE, created.getResults(0).getError(), created.getResults(0).getErrorMessage());
        CreateTopicsResponse again = io.runnel.proto.v1.AdminGrpc.newBlockingStub(channel(ports.get(2)[0]))
            .withDeadlineAfter(30, TimeUnit.SECONDS).createTopics(create);
        assertEquals(ErrorCode.TOPIC_ALREADY_EXISTS, again.getResults(0).getError());
        int leader = awaitServingLeader(1, id -> true);

        List<String> acknowledged = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            assertEquals(ErrorCode.NONE, produce(leader, "r" + i));
            acknowledged.add("r" + i);
        }

        nodes.remove(leader).halt();
        int asker = leader == 1 ? 2 : 1;
        int next = awaitServingLeader(asker, id -> id != leader);
        assertNotEquals(leader, next);
        for (int i = 20; i < 40; i++) {
            ErrorCode code = produce(next, "r" + i);
            assertEquals(ErrorCode.NONE, code, "produce " + i);
            acknowledged.add("r" + i);
        }
        List<String> read = new ArrayList<>();
        long offset = 0;
        while (read.size() < acknowledged.size()) {
            var r = broker(next).fetch(FetchRequest.newBuilder().setRecordsAsMessages(true).setMaxWaitMs(1000).setMinBytes(1)
                .addTopics(FetchTopic.newBuilder().setTopic("orders").addPartitions(FetchPartition.newBuilder()
                    .setFetchOffset(offset).setCurrentLeaderEpoch(-1).setPartitionMaxBytes(1 << 20))).build())
                .getTopics(0).getPartitions(0);
            assertEquals(ErrorCode.NONE, r.getError(), r.getErrorMessage());
            for (Record rec : r.getRecords().getRecordsList()) {
                assertEquals(offset, rec.getOffset());
                read.add(rec.getValue().toStringUtf8());
                offset++;
            }
        }
        assertEquals(acknowledged, read);
        assertTrue(partition(asker).getLeaderEpoch() >= 1);
    }
}
