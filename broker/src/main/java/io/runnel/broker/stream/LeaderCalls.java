package io.runnel.broker.stream;

import io.grpc.Status;
import io.runnel.broker.auth.AuthorizationException;
import io.runnel.broker.partition.PartitionState;
import io.runnel.broker.partition.TopicPartition;
import io.runnel.proto.v1.BrokerGrpc;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.FetchPartition;
import io.runnel.proto.v1.FetchPartitionResponse;
import io.runnel.proto.v1.FetchRequest;
import io.runnel.proto.v1.FetchResponse;
import io.runnel.proto.v1.FetchTopic;
import io.runnel.proto.v1.ListOffsetsPartition;
import io.runnel.proto.v1.ListOffsetsPartitionResponse;
import io.runnel.proto.v1.ListOffsetsRequest;
import io.runnel.proto.v1.ListOffsetsResponse;
import io.runnel.proto.v1.ListOffsetsTopic;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A stream member's reads from partition leaders (Fetch and ListOffsets, as any client makes them),
 * to whichever broker this broker's metadata names the leader. A call that cannot be made or
 * fails in transport is answered with an error code like the broker's own (LEADER_NOT_AVAILABLE),
 * so callers handle one kind of failure.
 *
 * <p>Thread-safe.
 */
final class LeaderCalls {
    /** Per partition fetch; also below the 4 MiB default inbound limit of stock gRPC clients. */
    static final int FETCH_BYTES = 1 << 20;
    /** How long a fetch waits at the leader for records (a long poll). */
    static final int FETCH_WAIT_MS = 500;
    private static final long CALL_TIMEOUT_MS = 15_000;

    private final ClusterChannels channels;
    private final StreamAccess access;

    /** @param access the stream's caller, whose READ on the topic each fetch checks */
    LeaderCalls(ClusterChannels channels, StreamAccess access) {
        this.channels = channels;
        this.access = access;
    }

    private Optional<BrokerGrpc.BrokerStub> leader(TopicPartition tp) {
        Map<Integer, PartitionState> partitions = channels.cluster().topics().get(tp.topic());
        PartitionState state = partitions == null ? null : partitions.get(tp.partition());
        return state == null || state.leaderId() < 0 ? Optional.empty() : channels.broker(state.leaderId());
    }

    /** Records from {@code from} on, as messages (long poll of {@link #FETCH_WAIT_MS}). */
    CompletableFuture<FetchPartitionResponse> fetch(TopicPartition tp, long from) {
        AuthorizationException refused = access.refusedRead(tp.topic());
        if (refused != null) {
            return CompletableFuture.completedFuture(FetchPartitionResponse.newBuilder().setPartition(tp.partition())
                .setError(refused.code()).setErrorMessage(refused.getMessage()).build());
        }
        Optional<BrokerGrpc.BrokerStub> leader = leader(tp);
        if (leader.isEmpty()) {
            return CompletableFuture.completedFuture(FetchPartitionResponse.newBuilder().setError(ErrorCode.LEADER_NOT_AVAILABLE)
                .setErrorMessage(tp + " has no live leader").build());
        }
        FetchRequest request = FetchRequest.newBuilder().setMaxWaitMs(FETCH_WAIT_MS).setMinBytes(1).setMaxBytes(FETCH_BYTES)
            .setRecordsAsMessages(true).addTopics(FetchTopic.newBuilder().setTopic(tp.topic())
                .addPartitions(FetchPartition.newBuilder().setPartition(tp.partition()).setFetchOffset(from)
                    .setCurrentLeaderEpoch(-1).setPartitionMaxBytes(FETCH_BYTES))).build();
        return UnaryCalls.<FetchResponse>call(answer -> leader.get().withDeadlineAfter(FETCH_WAIT_MS + CALL_TIMEOUT_MS,
                TimeUnit.MILLISECONDS).fetch(request, answer))
            .handle((r, error) -> error == null ? r.getTopics(0).getPartitions(0) : FetchPartitionResponse.newBuilder()
                .setError(ErrorCode.LEADER_NOT_AVAILABLE).setErrorMessage("fetch failed: " + Status.fromThrowable(error)).build());
    }

    /** ListOffsets for one partition: -2 the log start, -1 the end. */
    CompletableFuture<ListOffsetsPartitionResponse> offset(TopicPartition tp, long timestamp) {
        Optional<BrokerGrpc.BrokerStub> leader = leader(tp);
        if (leader.isEmpty()) {
            return CompletableFuture.completedFuture(ListOffsetsPartitionResponse.newBuilder()
                .setError(ErrorCode.LEADER_NOT_AVAILABLE).setErrorMessage(tp + " has no live leader").build());
        }
        ListOffsetsRequest request = ListOffsetsRequest.newBuilder().addTopics(ListOffsetsTopic.newBuilder()
            .setTopic(tp.topic()).addPartitions(ListOffsetsPartition.newBuilder().setPartition(tp.partition())
                .setTimestamp(timestamp))).build();
        return UnaryCalls.<ListOffsetsResponse>call(answer -> leader.get().withDeadlineAfter(CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS)
                .listOffsets(request, answer))
            .handle((r, error) -> error == null ? r.getTopics(0).getPartitions(0) : ListOffsetsPartitionResponse.newBuilder()
                .setError(ErrorCode.LEADER_NOT_AVAILABLE).setErrorMessage("ListOffsets failed: " + Status.fromThrowable(error))
                .build());
    }
}
