package io.runnel.broker.grpc;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.runnel.broker.group.GroupCoordinator;
import io.runnel.broker.group.GroupDeletion;
import io.runnel.broker.group.GroupOffsets;
import io.runnel.broker.group.GroupQueries;
import io.runnel.broker.metadata.ClusterView;
import io.runnel.proto.v1.ConsumerGroupHeartbeatRequest;
import io.runnel.proto.v1.ConsumerGroupHeartbeatResponse;
import io.runnel.proto.v1.DeleteGroupsRequest;
import io.runnel.proto.v1.DeleteGroupsResponse;
import io.runnel.proto.v1.DescribeGroupsRequest;
import io.runnel.proto.v1.DescribeGroupsResponse;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.FindCoordinatorRequest;
import io.runnel.proto.v1.FindCoordinatorResponse;
import io.runnel.proto.v1.GroupGrpc;
import io.runnel.proto.v1.ListGroupsRequest;
import io.runnel.proto.v1.ListGroupsResponse;
import io.runnel.proto.v1.OffsetCommitRequest;
import io.runnel.proto.v1.OffsetCommitResponse;
import io.runnel.proto.v1.OffsetFetchRequest;
import io.runnel.proto.v1.OffsetFetchResponse;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** The Group service: a thin adapter over the coordinator; errors travel in the responses. */
final class GroupService extends GroupGrpc.GroupImplBase {
    private final GroupCoordinator coordinator;
    private final GroupOffsets offsets;
    private final GroupQueries queries;
    private final GroupDeletion deletion;
    private final ClusterView cluster;

    GroupService(GroupCoordinator coordinator, GroupOffsets offsets, GroupQueries queries, ClusterView cluster) {
        this.coordinator = coordinator;
        this.cluster = cluster;
        this.offsets = offsets;
        this.queries = queries;
        this.deletion = new GroupDeletion(coordinator);
    }

    private static <T> void reply(CompletableFuture<T> call, StreamObserver<T> out) {
        call.whenComplete((response, error) -> {
            if (error != null) {
                out.onError(Status.INTERNAL.withDescription(error.toString()).asRuntimeException());
            } else {
                out.onNext(response);
                out.onCompleted();
            }
        });
    }

    @Override
    public void findCoordinator(FindCoordinatorRequest request, StreamObserver<FindCoordinatorResponse> out) {
        Optional<String> notReady = cluster.notReady();
        if (notReady.isPresent()) {
            // Before catching up the offsets topic looks missing: no lookup, and no attempt to create it.
            reply(CompletableFuture.completedFuture(FindCoordinatorResponse.newBuilder()
                .setError(ErrorCode.COORDINATOR_NOT_AVAILABLE).setErrorMessage(notReady.get()).build()), out);
            return;
        }
        reply(CompletableFuture.completedFuture(coordinator.findCoordinator(request.getGroupId())), out);
    }

    @Override
    public void consumerGroupHeartbeat(ConsumerGroupHeartbeatRequest request, StreamObserver<ConsumerGroupHeartbeatResponse> out) {
        reply(coordinator.heartbeat(request), out);
    }

    @Override
    public void offsetCommit(OffsetCommitRequest request, StreamObserver<OffsetCommitResponse> out) {
        reply(offsets.commit(request), out);
    }

    @Override
    public void offsetFetch(OffsetFetchRequest request, StreamObserver<OffsetFetchResponse> out) {
        reply(CompletableFuture.completedFuture(offsets.fetch(request)), out);
    }

    @Override
    public void listGroups(ListGroupsRequest request, StreamObserver<ListGroupsResponse> out) {
        reply(CompletableFuture.completedFuture(queries.list()), out);
    }

    @Override
    public void describeGroups(DescribeGroupsRequest request, StreamObserver<DescribeGroupsResponse> out) {
        reply(CompletableFuture.completedFuture(queries.describe(request)), out);
    }

    @Override
    public void deleteGroups(DeleteGroupsRequest request, StreamObserver<DeleteGroupsResponse> out) {
        reply(deletion.delete(request), out);
    }
}
