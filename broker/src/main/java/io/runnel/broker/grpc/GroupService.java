package io.runnel.broker.grpc;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.runnel.broker.auth.Authorizer;
import io.runnel.broker.group.GroupCoordinator;
import io.runnel.broker.group.GroupDeletion;
import io.runnel.broker.group.GroupOffsets;
import io.runnel.broker.group.GroupQueries;
import io.runnel.broker.metadata.ClusterView;
import io.runnel.proto.v1.AclOperation;
import io.runnel.proto.v1.AclResourceType;
import io.runnel.proto.v1.ConsumerGroupHeartbeatRequest;
import io.runnel.proto.v1.ConsumerGroupHeartbeatResponse;
import io.runnel.proto.v1.DeleteGroupResult;
import io.runnel.proto.v1.DeleteGroupsRequest;
import io.runnel.proto.v1.DeleteGroupsResponse;
import io.runnel.proto.v1.DescribeGroupsRequest;
import io.runnel.proto.v1.DescribeGroupsResponse;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.FindCoordinatorRequest;
import io.runnel.proto.v1.GroupDescription;
import io.runnel.proto.v1.OffsetCommitPartition;
import io.runnel.proto.v1.OffsetCommitPartitionResponse;
import io.runnel.proto.v1.OffsetCommitTopic;
import io.runnel.proto.v1.OffsetCommitTopicResponse;
import io.runnel.proto.v1.FindCoordinatorResponse;
import io.runnel.proto.v1.GroupGrpc;
import io.runnel.proto.v1.ListGroupsRequest;
import io.runnel.proto.v1.ListGroupsResponse;
import io.runnel.proto.v1.OffsetCommitRequest;
import io.runnel.proto.v1.OffsetCommitResponse;
import io.runnel.proto.v1.OffsetFetchRequest;
import io.runnel.proto.v1.OffsetFetchResponse;
import io.runnel.security.Authentication;
import io.runnel.security.Principal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The Group service: a thin adapter over the coordinator; errors travel in the responses. The
 * caller's ACLs are checked first ({@link Authorizer}): READ on the group to heartbeat and commit
 * (and READ on each committed topic), DESCRIBE on the group to find its coordinator, fetch its
 * offsets (only of topics the caller may DESCRIBE) or describe it; ListGroups lists only groups the
 * caller may DESCRIBE, unless it may DESCRIBE the cluster.
 */
final class GroupService extends GroupGrpc.GroupImplBase {
    private final GroupCoordinator coordinator;
    private final GroupOffsets offsets;
    private final GroupQueries queries;
    private final GroupDeletion deletion;
    private final ClusterView cluster;
    private final Authorizer authorizer;

    GroupService(GroupCoordinator coordinator, GroupOffsets offsets, GroupQueries queries, ClusterView cluster,
                 Authorizer authorizer) {
        this.authorizer = authorizer;
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

    /** The refusal of the caller's {@code operation} on a group, or null if it may. */
    private String refusedGroup(Principal caller, AclOperation operation, String group) {
        return authorizer.allows(caller, operation, AclResourceType.GROUP, group) ? null
            : Authorizer.refusal(caller, operation, AclResourceType.GROUP, group).getMessage();
    }

    @Override
    public void findCoordinator(FindCoordinatorRequest request, StreamObserver<FindCoordinatorResponse> out) {
        String refused = refusedGroup(Authentication.caller(), AclOperation.DESCRIBE, request.getGroupId());
        if (refused != null) {
            reply(CompletableFuture.completedFuture(FindCoordinatorResponse.newBuilder()
                .setError(ErrorCode.GROUP_AUTHORIZATION_FAILED).setErrorMessage(refused).build()), out);
            return;
        }
        Optional<String> notReady = cluster.notReady();
        if (notReady.isPresent()) {
            // Before catching up the offsets topic looks missing: no lookup, and no attempt to create it.
            reply(CompletableFuture.completedFuture(FindCoordinatorResponse.newBuilder()
                .setError(ErrorCode.COORDINATOR_NOT_AVAILABLE).setErrorMessage(notReady.get()).build()), out);
            return;
        }
        FindCoordinatorResponse found = coordinator.findCoordinator(request.getGroupId());
        reply(CompletableFuture.completedFuture(ExternalListener.current() ? seenFromOutside(found) : found), out);
    }

    /** A client on the external listener gets the coordinator's external endpoint, as in Metadata. */
    private FindCoordinatorResponse seenFromOutside(FindCoordinatorResponse found) {
        if (!found.hasCoordinator()) {
            return found;
        }
        return cluster.broker(found.getCoordinator().getId()).map(b -> b.seenFrom(true))
            .map(b -> found.toBuilder().setCoordinator(found.getCoordinator().toBuilder().setHost(b.host()).setPort(b.port()))
                .build()).orElse(found);
    }

    @Override
    public void consumerGroupHeartbeat(ConsumerGroupHeartbeatRequest request, StreamObserver<ConsumerGroupHeartbeatResponse> out) {
        String refused = refusedGroup(Authentication.caller(), AclOperation.READ, request.getGroupId());
        if (refused != null) {
            reply(CompletableFuture.completedFuture(ConsumerGroupHeartbeatResponse.newBuilder()
                .setError(ErrorCode.GROUP_AUTHORIZATION_FAILED).setErrorMessage(refused).build()), out);
            return;
        }
        reply(coordinator.heartbeat(request), out);
    }

    @Override
    public void offsetCommit(OffsetCommitRequest request, StreamObserver<OffsetCommitResponse> out) {
        Principal caller = Authentication.caller();
        String refused = refusedGroup(caller, AclOperation.READ, request.getGroupId());
        List<OffsetCommitTopicResponse> refusedTopics = new ArrayList<>();
        OffsetCommitRequest.Builder allowed = request.toBuilder().clearTopics();
        for (OffsetCommitTopic t : request.getTopicsList()) {
            String no = refused != null ? refused
                : authorizer.allows(caller, AclOperation.READ, AclResourceType.TOPIC, t.getTopic()) ? null
                : Authorizer.refusal(caller, AclOperation.READ, AclResourceType.TOPIC, t.getTopic()).getMessage();
            if (no == null) {
                allowed.addTopics(t);
                continue;
            }
            OffsetCommitTopicResponse.Builder tr = OffsetCommitTopicResponse.newBuilder().setTopic(t.getTopic());
            for (OffsetCommitPartition p : t.getPartitionsList()) {
                tr.addPartitions(OffsetCommitPartitionResponse.newBuilder().setPartition(p.getPartition())
                    .setError(refused != null ? ErrorCode.GROUP_AUTHORIZATION_FAILED : ErrorCode.TOPIC_AUTHORIZATION_FAILED)
                    .setErrorMessage(no));
            }
            refusedTopics.add(tr.build());
        }
        if (refused != null || allowed.getTopicsCount() == 0 && !refusedTopics.isEmpty()) {
            OffsetCommitResponse.Builder response = OffsetCommitResponse.newBuilder().addAllTopics(refusedTopics);
            if (refused != null) {
                response.setError(ErrorCode.GROUP_AUTHORIZATION_FAILED).setErrorMessage(refused);
            }
            reply(CompletableFuture.completedFuture(response.build()), out);
            return;
        }
        reply(offsets.commit(allowed.build()).thenApply(r -> r.toBuilder().addAllTopics(refusedTopics).build()), out);
    }

    @Override
    public void offsetFetch(OffsetFetchRequest request, StreamObserver<OffsetFetchResponse> out) {
        Principal caller = Authentication.caller();
        String refused = refusedGroup(caller, AclOperation.DESCRIBE, request.getGroupId());
        if (refused != null) {
            reply(CompletableFuture.completedFuture(OffsetFetchResponse.newBuilder()
                .setError(ErrorCode.GROUP_AUTHORIZATION_FAILED).setErrorMessage(refused).build()), out);
            return;
        }
        OffsetFetchResponse all = offsets.fetch(request);
        OffsetFetchResponse.Builder visible = all.toBuilder().clearOffsets();
        all.getOffsetsList().stream()
            .filter(o -> authorizer.allows(caller, AclOperation.DESCRIBE, AclResourceType.TOPIC, o.getTopic()))
            .forEach(visible::addOffsets);
        reply(CompletableFuture.completedFuture(visible.build()), out);
    }

    @Override
    public void listGroups(ListGroupsRequest request, StreamObserver<ListGroupsResponse> out) {
        Principal caller = Authentication.caller();
        ListGroupsResponse all = queries.list();
        if (authorizer.allowsOnCluster(caller, AclOperation.DESCRIBE)) {
            reply(CompletableFuture.completedFuture(all), out);
            return;
        }
        ListGroupsResponse.Builder visible = all.toBuilder().clearGroups();
        all.getGroupsList().stream()
            .filter(g -> authorizer.allows(caller, AclOperation.DESCRIBE, AclResourceType.GROUP, g.getGroupId()))
            .forEach(visible::addGroups);
        reply(CompletableFuture.completedFuture(visible.build()), out);
    }

    @Override
    public void describeGroups(DescribeGroupsRequest request, StreamObserver<DescribeGroupsResponse> out) {
        Principal caller = Authentication.caller();
        List<GroupDescription> refused = new ArrayList<>();
        DescribeGroupsRequest.Builder allowed = DescribeGroupsRequest.newBuilder();
        for (String group : request.getGroupIdsList()) {
            String no = refusedGroup(caller, AclOperation.DESCRIBE, group);
            if (no == null) {
                allowed.addGroupIds(group);
            } else {
                refused.add(GroupDescription.newBuilder().setGroupId(group).setError(ErrorCode.GROUP_AUTHORIZATION_FAILED)
                    .setErrorMessage(no).build());
            }
        }
        DescribeGroupsResponse described = allowed.getGroupIdsCount() == 0 && !refused.isEmpty()
            ? DescribeGroupsResponse.getDefaultInstance() : queries.describe(allowed.build());
        reply(CompletableFuture.completedFuture(described.toBuilder().addAllGroups(refused).build()), out);
    }

    @Override
    public void deleteGroups(DeleteGroupsRequest request, StreamObserver<DeleteGroupsResponse> out) {
        // Kafka's rule: DELETE on the group. Refused groups are answered here, in request order.
        Principal caller = Authentication.caller();
        DeleteGroupsRequest.Builder allowed = DeleteGroupsRequest.newBuilder();
        List<DeleteGroupResult> refused = new ArrayList<>();
        for (String group : request.getGroupIdsList()) {
            String no = refusedGroup(caller, AclOperation.DELETE, group);
            refused.add(no == null ? null : DeleteGroupResult.newBuilder().setGroupId(group)
                .setError(ErrorCode.GROUP_AUTHORIZATION_FAILED).setErrorMessage(no).build());
            if (no == null) {
                allowed.addGroupIds(group);
            }
        }
        reply(deletion.delete(allowed.build()).thenApply(deleted -> {
            Iterator<DeleteGroupResult> done = deleted.getResultsList().iterator();
            DeleteGroupsResponse.Builder all = DeleteGroupsResponse.newBuilder();
            refused.forEach(r -> all.addResults(r != null ? r : done.next()));
            return all.build();
        }), out);
    }
}
