package io.runnel.broker.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.runnel.broker.partition.TopicPartition;
import io.runnel.broker.replica.FetchLimits;
import io.runnel.broker.replication.LeaderEndpoint.PartitionData;
import io.runnel.broker.replication.LeaderEndpoint.PartitionFetch;
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
import io.runnel.record.RecordBatch;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A follower's fetches over one ReplicaFetchStream against a real leader on loopback: answers in
 * order, long polls, a request that fails whole ends only that stream, and closing the endpoint
 * ends a fetch waiting on a long poll. The unary ReplicaFetch stays served.
 */
class ReplicaFetchStreamTest {
    private static final TopicPartition TP = new TopicPartition("orders", 0);

    @TempDir
    Path tmp;
    private InProcessCluster cluster;
    private GrpcLeaderEndpoint endpoint;

    @BeforeEach
    void start() throws Exception {
        cluster = new InProcessCluster(tmp, 2, 1);
        cluster.controller.createTopic(TP.topic(), 1, List.of(1, 2));
        // Broker 2 stops; it stays registered, so the fetches below are broker 2's as far as the leader knows.
        cluster.kill(2);
        endpoint = new GrpcLeaderEndpoint("127.0.0.1", cluster.internalPort(1), 5000);
    }

    @AfterEach
    void stop() throws Exception {
        endpoint.close();
        cluster.close();
    }

    private void produce(String value) {
        ProduceRequest request = ProduceRequest.newBuilder().setAcks(1).setTimeoutMs(5000).addTopics(TopicProduceData.newBuilder()
            .setTopic(TP.topic()).addPartitions(PartitionProduceData.newBuilder().setPartition(0).setRecords(RecordList.newBuilder()
                .addRecords(Record.newBuilder().setValue(ByteString.copyFromUtf8(value)))))).build();
        assertEquals(ErrorCode.NONE, cluster.client(1).produce(request).getTopics(0).getPartitions(0).getError());
    }

    private PartitionData fetch(int replicaId, long offset, int maxWaitMs) throws Exception {
        List<PartitionData> answer = endpoint.fetch(replicaId, maxWaitMs, 1, List.of(new PartitionFetch(TP, offset, 0, -1, 1 << 20)));
        assertEquals(1, answer.size());
        return answer.get(0);
    }

    /** Issue 14 item 5: a follower's max_bytes is capped by replica.fetch.response.max.bytes (10 MiB by default). */
    @Test
    void aFollowerAskingForEverything_getsAtMostReplicaFetchResponseMaxBytes() throws Exception {
        String value = "x".repeat(900 << 10);
        for (int i = 0; i < 13; i++) {
            produce(value);
        }
        List<PartitionData> answer = endpoint.fetch(2, 0, 1, List.of(new PartitionFetch(TP, 0, 0, -1, Integer.MAX_VALUE)));
        int size = answer.get(0).records().remaining();
        assertTrue(size > 0 && size <= FetchLimits.DEFAULTS.replicaMaxBytes(), size + " bytes answered");
    }

    @Test
    void fetchesGoOverOneStream_eachAnsweredInOrder_andALongPollAnswersWhenDataArrives() throws Exception {
        produce("a");
        produce("b");
        PartitionData first = fetch(2, 0, 0);
        assertEquals(ErrorCode.NONE, first.error());
        assertEquals(0, RecordBatch.of(first.records()).baseOffset());
        PartitionData second = fetch(2, 1, 0);
        assertEquals(1, RecordBatch.of(second.records()).baseOffset(), "the second answer is the second request's");

        CompletableFuture<PartitionData> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                return fetch(2, 2, 20_000);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Awaitility.await().pollDelay(Duration.ofMillis(200)).atMost(Duration.ofSeconds(5)).until(() -> !waiting.isDone());
        produce("c");
        PartitionData third = waiting.get(5, TimeUnit.SECONDS); // long before the 20 s wait
        assertEquals(2, RecordBatch.of(third.records()).baseOffset());
        assertEquals(3, third.logEndOffset());
    }

    @Test
    void aRequestThatFailsWhole_endsItsStream_andTheNextFetchOpensANewOne() throws Exception {
        produce("a");
        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, () -> fetch(-1, 0, 0));
        assertEquals(Status.Code.INVALID_ARGUMENT, refused.getStatus().getCode());
        StatusRuntimeException unknown = assertThrows(StatusRuntimeException.class, () -> fetch(7, 0, 0));
        assertEquals(Status.Code.PERMISSION_DENIED, unknown.getStatus().getCode());
        assertTrue(unknown.getStatus().getDescription().contains("7"), unknown.getStatus().getDescription());

        PartitionData after = fetch(2, 0, 0);
        assertEquals(ErrorCode.NONE, after.error());
        assertEquals(1, after.logEndOffset());
    }

    @Test
    void closingTheEndpoint_endsAFetchWaitingOnALongPoll() throws Exception {
        CompletableFuture<PartitionData> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                return fetch(2, 0, 60_000);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Awaitility.await().pollDelay(Duration.ofMillis(200)).atMost(Duration.ofSeconds(5)).until(() -> !waiting.isDone());
        endpoint.close();
        // Ended by the closed channel within seconds, not by the 60 s long poll (that would be a TimeoutException here).
        ExecutionException ended = assertThrows(ExecutionException.class, () -> waiting.get(10, TimeUnit.SECONDS));
        assertTrue(ended.getCause().getCause() instanceof StatusRuntimeException, String.valueOf(ended.getCause()));
    }

    @Test
    void theUnaryReplicaFetch_isStillServed() {
        produce("a");
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", cluster.internalPort(1)).usePlaintext().build();
        try {
            ReplicaFetchResponse r = ReplicationGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                .replicaFetch(ReplicaFetchRequest.newBuilder().setReplicaId(2).setMaxWaitMs(0).setMinBytes(1)
                    .addPartitions(ReplicaFetchPartition.newBuilder().setTopic(TP.topic()).setPartition(0).setFetchOffset(0)
                        .setCurrentLeaderEpoch(0).setLastFetchedEpoch(-1).setMaxBytes(1 << 20)).build());
            assertEquals(ErrorCode.NONE, r.getPartitions(0).getError());
            assertEquals(1, r.getPartitions(0).getLogEndOffset());
        } finally {
            channel.shutdownNow();
        }
    }
}
