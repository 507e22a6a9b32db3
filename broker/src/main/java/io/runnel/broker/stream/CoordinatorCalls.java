package io.runnel.broker.stream;

import io.grpc.Status;
import io.runnel.broker.partition.TopicPartition;
import io.runnel.proto.v1.CommittedOffset;
import io.runnel.proto.v1.ConsumerGroupHeartbeatRequest;
import io.runnel.proto.v1.ConsumerGroupHeartbeatResponse;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.FindCoordinatorRequest;
import io.runnel.proto.v1.FindCoordinatorResponse;
import io.runnel.proto.v1.GroupGrpc;
import io.runnel.proto.v1.OffsetCommitPartition;
import io.runnel.proto.v1.OffsetCommitPartitionResponse;
import io.runnel.proto.v1.OffsetCommitRequest;
import io.runnel.proto.v1.OffsetCommitResponse;
import io.runnel.proto.v1.OffsetCommitTopic;
import io.runnel.proto.v1.OffsetCommitTopicResponse;
import io.runnel.proto.v1.OffsetFetchRequest;
import io.runnel.proto.v1.OffsetFetchResponse;
import io.runnel.proto.v1.TopicPartitions;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A stream member's calls to its group's coordinator, wherever that is: found with FindCoordinator
 * through this broker, then called over {@link ClusterChannels} as any member would; forgotten
 * (and found again on the next call) when it moves.
 *
 * <p>Thread-safe.
 */
final class CoordinatorCalls {
    private static final long CALL_TIMEOUT_MS = 15_000;

    private final ClusterChannels channels;
    private final String groupId;
    private volatile int coordinatorId = -1;

    /** A call that failed with an error code in its answer (or COORDINATOR_NOT_AVAILABLE for no answer). */
    static final class CoordinatorException extends RuntimeException {
        final ErrorCode code;

        CoordinatorException(ErrorCode code, String message) {
            super(message, null, false, false);
            this.code = code;
        }
    }

    CoordinatorCalls(ClusterChannels channels, String groupId) {
        this.channels = channels;
        this.groupId = groupId;
    }

    /** The coordinator's stub; fails with a CoordinatorException while there is none. */
    private CompletableFuture<GroupGrpc.GroupStub> coordinator() {
        int known = coordinatorId;
        Optional<GroupGrpc.GroupStub> stub = known < 0 ? Optional.empty() : channels.group(known);
        if (stub.isPresent()) {
            return CompletableFuture.completedFuture(stub.get());
        }
        Optional<GroupGrpc.GroupStub> self = channels.group(channels.selfId());
        if (self.isEmpty()) {
            return CompletableFuture.failedFuture(new CoordinatorException(ErrorCode.COORDINATOR_NOT_AVAILABLE,
                "this broker is not registered yet"));
        }
        return UnaryCalls.<FindCoordinatorResponse>call(answer -> self.get().withDeadlineAfter(CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS)
            .findCoordinator(FindCoordinatorRequest.newBuilder().setGroupId(groupId).build(), answer)).thenApply(r -> {
                if (r.getError() != ErrorCode.NONE) {
                    throw new CoordinatorException(r.getError(), r.getErrorMessage());
                }
                coordinatorId = r.getCoordinator().getId();
                return channels.group(coordinatorId).orElseThrow(() -> new CoordinatorException(
                    ErrorCode.COORDINATOR_NOT_AVAILABLE, "coordinator " + coordinatorId + " is not a live broker"));
            });
    }

    /** The heartbeat's answer; a failed call is answered COORDINATOR_NOT_AVAILABLE, and a moved coordinator forgotten. */
    CompletableFuture<ConsumerGroupHeartbeatResponse> heartbeat(ConsumerGroupHeartbeatRequest request) {
        return coordinator().thenCompose(stub -> UnaryCalls.<ConsumerGroupHeartbeatResponse>call(answer ->
                stub.withDeadlineAfter(CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS).consumerGroupHeartbeat(request, answer)))
            .handle((r, error) -> {
                if (error != null) {
                    coordinatorId = -1;
                    ErrorCode code = error.getCause() instanceof CoordinatorException c ? c.code : ErrorCode.COORDINATOR_NOT_AVAILABLE;
                    return ConsumerGroupHeartbeatResponse.newBuilder().setError(code)
                        .setErrorMessage("heartbeat failed: " + describe(error)).build();
                }
                if (r.getError() == ErrorCode.NOT_COORDINATOR || r.getError() == ErrorCode.COORDINATOR_NOT_AVAILABLE) {
                    coordinatorId = -1;
                }
                return r;
            });
    }

    /** Leaves the group (epoch -1), without waiting: if it fails the member's session expires instead. */
    void leave(String memberId) {
        heartbeat(ConsumerGroupHeartbeatRequest.newBuilder().setGroupId(groupId).setMemberId(memberId).setMemberEpoch(-1).build());
    }

    /** Committed offsets (the next record to process) of the partitions that have one. */
    CompletableFuture<Map<TopicPartition, Long>> committed(Collection<TopicPartition> partitions) {
        OffsetFetchRequest request = OffsetFetchRequest.newBuilder().setGroupId(groupId).addAllPartitions(toProto(partitions)).build();
        return coordinator().thenCompose(stub -> UnaryCalls.<OffsetFetchResponse>call(answer ->
            stub.withDeadlineAfter(CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS).offsetFetch(request, answer))).thenApply(r -> {
                if (r.getError() != ErrorCode.NONE) {
                    throw new CoordinatorException(r.getError(), "reading committed offsets: " + r.getErrorMessage());
                }
                Map<TopicPartition, Long> out = new HashMap<>();
                for (CommittedOffset c : r.getOffsetsList()) {
                    if (c.getOffset() >= 0) {
                        out.put(new TopicPartition(c.getTopic(), c.getPartition()), c.getOffset());
                    }
                }
                return out;
            });
    }

    /** Commits as a member; answers each partition's error code. */
    CompletableFuture<Map<TopicPartition, ErrorCode>> commit(String memberId, int memberEpoch, Map<TopicPartition, Long> offsets) {
        Map<String, OffsetCommitTopic.Builder> topics = new LinkedHashMap<>();
        offsets.forEach((tp, offset) -> topics.computeIfAbsent(tp.topic(), t -> OffsetCommitTopic.newBuilder().setTopic(t))
            .addPartitions(OffsetCommitPartition.newBuilder().setPartition(tp.partition()).setOffset(offset)));
        OffsetCommitRequest.Builder request = OffsetCommitRequest.newBuilder().setGroupId(groupId).setMemberId(memberId)
            .setMemberEpoch(memberEpoch);
        topics.values().forEach(request::addTopics);
        return coordinator().thenCompose(stub -> UnaryCalls.<OffsetCommitResponse>call(answer ->
            stub.withDeadlineAfter(CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS).offsetCommit(request.build(), answer))).thenApply(r -> {
                Map<TopicPartition, ErrorCode> out = new HashMap<>();
                for (OffsetCommitTopicResponse t : r.getTopicsList()) {
                    for (OffsetCommitPartitionResponse p : t.getPartitionsList()) {
                        out.put(new TopicPartition(t.getTopic(), p.getPartition()), p.getError());
                    }
                }
                return out;
            });
    }

    static String describe(Throwable error) {
        Throwable cause = error.getCause() != null ? error.getCause() : error;
        return cause instanceof CoordinatorException c ? c.code + " " + c.getMessage() : Status.fromThrowable(cause).toString();
    }

    static List<TopicPartitions> toProto(Collection<TopicPartition> partitions) {
        Map<String, TopicPartitions.Builder> byTopic = new LinkedHashMap<>();
        for (TopicPartition tp : partitions) {
            byTopic.computeIfAbsent(tp.topic(), t -> TopicPartitions.newBuilder().setTopic(t)).addPartitions(tp.partition());
        }
        return byTopic.values().stream().map(TopicPartitions.Builder::build).toList();
    }
}
