package io.runnel.broker.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.runnel.broker.partition.Partition;
import io.runnel.broker.partition.TopicPartition;
import io.runnel.metadata.image.BrokerInfo;
import io.runnel.metadata.image.PartitionInfo;
import io.runnel.proto.v1.BrokerGrpc;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.PartitionProduceData;
import io.runnel.proto.v1.ProduceRequest;
import io.runnel.proto.v1.Record;
import io.runnel.proto.v1.RecordList;
import io.runnel.proto.v1.ReplicaFetchPartition;
import io.runnel.proto.v1.ReplicaFetchRequest;
import io.runnel.proto.v1.ReplicaFetchResponse;
import io.runnel.proto.v1.ReplicationGrpc;
import io.runnel.proto.v1.TopicProduceData;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real nodes with a client and an internal listener each: followers replicate over the internal
 * listener, and a ReplicaFetch sent to the client port (a client posing as a follower, issue 18)
 * finds no Replication service there and moves nothing.
 *
 * <p>One cluster serves the class; each test has a topic of its own. A test that holds a follower
 * back stops all of that broker's fetchers, and the next test's topic creation (a metadata change
 * on every broker) starts them again.
 */
class InternalListenerTest {
    @TempDir
    static Path tmp;
    private static TestCluster cluster;
    private final List<ManagedChannel> channels = new ArrayList<>();
    private String topic;
    private TopicPartition tp;
    private int leader;
    private int follower;
    private int outsider;

    @BeforeAll
    static void startCluster() throws Exception {
        // A lag time far beyond the test: a held-back follower stays in the ISR and holds the high watermark.
        cluster = TestCluster.start(tmp, 3, Map.of("replica.lag.time.max.ms", "60000"));
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @BeforeEach
    void createTopic(TestInfo test) {
        topic = test.getTestMethod().orElseThrow().getName();
        tp = new TopicPartition(topic, 0);
        cluster.createTopic(topic, 1, 2, Map.of());
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> partitionInfo().leader() >= 0
            && partitionInfo().isr().size() == 2 && cluster.node(partitionInfo().leader()).replicaManager().partition(tp)
                .map(Partition::isLeader).orElse(false));
        PartitionInfo p = partitionInfo();
        leader = p.leader();
        follower = p.replicas().stream().filter(id -> id != leader).findFirst().orElseThrow();
        outsider = cluster.runningIds().stream().filter(id -> !p.replicas().contains(id)).findFirst().orElseThrow();
    }

    @AfterEach
    void closeChannels() throws InterruptedException {
        for (ManagedChannel c : channels) {
            c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private PartitionInfo partitionInfo() {
        int any = cluster.runningIds().iterator().next();
        return cluster.node(any).controllerClient().image().topics().get(topic).partitions().get(0);
    }

    private ManagedChannel channel(int port) {
        ManagedChannel c = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        channels.add(c);
        return c;
    }

    private ErrorCode produce(int acks, String value) {
        return BrokerGrpc.newBlockingStub(channel(cluster.clientPort(leader))).withDeadlineAfter(15, TimeUnit.SECONDS)
            .produce(ProduceRequest.newBuilder().setAcks(acks).setTimeoutMs(10_000)
                .addTopics(TopicProduceData.newBuilder().setTopic(topic).addPartitions(PartitionProduceData.newBuilder()
                    .setPartition(0).setRecords(RecordList.newBuilder().addRecords(Record.newBuilder()
                        .setValue(ByteString.copyFromUtf8(value))))))
                .build()).getTopics(0).getPartitions(0).getError();
    }

    private Partition leaderPartition() {
        return cluster.node(leader).replicaManager().partition(tp).orElseThrow();
    }

    /** What a client posing as {@code replicaId} sends: "I have everything the leader has". */
    private ReplicaFetchRequest forgedFetch(int replicaId) {
        return ReplicaFetchRequest.newBuilder().setReplicaId(replicaId).setMaxWaitMs(0).setMinBytes(0)
            .addPartitions(ReplicaFetchPartition.newBuilder().setTopic(topic).setPartition(0)
                .setFetchOffset(leaderPartition().logEndOffset()).setCurrentLeaderEpoch(partitionInfo().leaderEpoch())
                .setLastFetchedEpoch(-1).setMaxBytes(1 << 20))
            .build();
    }

    private ReplicationGrpc.ReplicationBlockingStub replication(int port) {
        return ReplicationGrpc.newBlockingStub(channel(port)).withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    @Test
    void brokersRegisterTheirInternalListener_andFollowersReplicateOverIt() {
        for (int id : cluster.runningIds()) {
            BrokerInfo b = cluster.node(id).controllerClient().image().brokers().get(id);
            assertEquals(cluster.internalPort(id), b.internalPort(), "broker " + id + " registered its internal listener");
            assertEquals(cluster.node(id).internalPort(), b.internalPort());
            assertNotEquals(b.port(), b.internalPort());
        }
        // The client port has no Replication service, so an acks=all produce completes only over internal listeners.
        for (int i = 0; i < 5; i++) {
            assertEquals(ErrorCode.NONE, produce(-1, "r" + i));
        }
        assertEquals(5, leaderPartition().highWatermark());
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> cluster.node(follower).replicaManager().partition(tp)
            .orElseThrow().logEndOffset() == 5);
    }

    @Test
    void replicaFetchOnTheClientPort_isUnimplemented_andTheHighWatermarkDoesNotMove() {
        assertEquals(ErrorCode.NONE, produce(-1, "replicated"));
        long replicated = leaderPartition().highWatermark();
        // Hold the real follower back: records appended from now on are on the leader only.
        cluster.node(follower).replicaFetchers().update(Map.of());
        for (int i = 0; i < 3; i++) {
            assertEquals(ErrorCode.NONE, produce(1, "leader-only-" + i));
        }
        assertEquals(replicated + 3, leaderPartition().logEndOffset());
        assertEquals(replicated, leaderPartition().highWatermark());

        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
            () -> replication(cluster.clientPort(leader)).replicaFetch(forgedFetch(follower)));
        assertEquals(Status.Code.UNIMPLEMENTED, refused.getStatus().getCode(), refused.getMessage());
        Awaitility.await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
            .until(() -> leaderPartition().highWatermark() == replicated);
        assertEquals(List.of(leader, follower).stream().sorted().toList(), partitionInfo().isr().stream().sorted().toList());
    }

    @Test
    void internalListener_refusesAnUnregisteredReplicaId_andANonReplica() {
        assertEquals(ErrorCode.NONE, produce(-1, "replicated"));
        long replicated = leaderPartition().highWatermark();
        cluster.node(follower).replicaFetchers().update(Map.of());
        assertEquals(ErrorCode.NONE, produce(1, "leader-only"));

        StatusRuntimeException unregistered = assertThrows(StatusRuntimeException.class,
            () -> replication(cluster.internalPort(leader)).replicaFetch(forgedFetch(99)));
        assertEquals(Status.Code.PERMISSION_DENIED, unregistered.getStatus().getCode());
        assertTrue(unregistered.getStatus().getDescription().contains("99"), unregistered.getMessage());

        ReplicaFetchResponse notReplica = replication(cluster.internalPort(leader)).replicaFetch(forgedFetch(outsider));
        assertEquals(ErrorCode.NOT_REPLICA, notReplica.getPartitions(0).getError());
        assertEquals(replicated, leaderPartition().highWatermark());
    }
}
