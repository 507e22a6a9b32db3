package io.runnel.broker.grpc;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.runnel.broker.auth.Authorizer;
import io.runnel.broker.metadata.ControllerClient;
import io.runnel.proto.v1.AclOperation;
import io.runnel.proto.v1.AclResourceType;
import io.runnel.proto.v1.AddVoterRequest;
import io.runnel.proto.v1.AddVoterResponse;
import io.runnel.proto.v1.AdminGrpc;
import io.runnel.proto.v1.AlterConfigsRequest;
import io.runnel.proto.v1.AlterConfigsResponse;
import io.runnel.proto.v1.CreateAclsRequest;
import io.runnel.proto.v1.CreateAclsResponse;
import io.runnel.proto.v1.CreatePartitionsRequest;
import io.runnel.proto.v1.CreatePartitionsResponse;
import io.runnel.proto.v1.CreateTopicsRequest;
import io.runnel.proto.v1.CreateTopicsResponse;
import io.runnel.proto.v1.DeleteAclsRequest;
import io.runnel.proto.v1.DeleteAclsResponse;
import io.runnel.proto.v1.DeleteTopicsRequest;
import io.runnel.proto.v1.DeleteTopicsResponse;
import io.runnel.proto.v1.DescribeAclsRequest;
import io.runnel.proto.v1.DescribeAclsResponse;
import io.runnel.proto.v1.DescribeClusterRequest;
import io.runnel.proto.v1.DescribeClusterResponse;
import io.runnel.proto.v1.DescribeQuorumRequest;
import io.runnel.proto.v1.DescribeQuorumResponse;
import io.runnel.proto.v1.ElectPreferredLeadersRequest;
import io.runnel.proto.v1.ElectPreferredLeadersResponse;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.MetadataImageProto;
import io.runnel.proto.v1.ReassignPartitionRequest;
import io.runnel.proto.v1.ReassignPartitionResponse;
import io.runnel.proto.v1.RemoveVoterRequest;
import io.runnel.proto.v1.RemoveVoterResponse;
import io.runnel.proto.v1.TopicImage;
import io.runnel.proto.v1.TopicResult;
import io.runnel.proto.v1.TopicSpec;
import io.runnel.security.Authentication;
import io.runnel.security.Principal;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The Admin service: checks the caller's ACLs ({@link Authorizer}, rules in broker.proto), then
 * forwards each call to the active controller through {@link ControllerClient}. A topic the caller
 * may not touch gets TOPIC_AUTHORIZATION_FAILED and the others are forwarded; a cluster-wide call
 * it may not make gets CLUSTER_AUTHORIZATION_FAILED and is not forwarded.
 */
final class AdminService extends AdminGrpc.AdminImplBase {
    private final ControllerClient controllers;
    private final Authorizer authorizer;

    AdminService(ControllerClient controllers, Authorizer authorizer) {
        this.controllers = controllers;
        this.authorizer = authorizer;
    }

    private static <T> void relay(CompletableFuture<T> call, StreamObserver<T> out) {
        call.whenComplete((response, error) -> {
            if (error != null) {
                out.onError(Status.UNAVAILABLE.withDescription("no active controller answered: " + error.getMessage())
                    .asRuntimeException());
            } else {
                out.onNext(response);
                out.onCompleted();
            }
        });
    }

    private static <T> void answer(StreamObserver<T> out, T response) {
        out.onNext(response);
        out.onCompleted();
    }

    /** The refusal of a topic, or null if the caller may do {@code operation} on it. */
    private TopicResult refusedTopic(Principal caller, AclOperation operation, String topic) {
        return authorizer.allows(caller, operation, AclResourceType.TOPIC, topic) ? null
            : TopicResult.newBuilder().setName(topic).setError(ErrorCode.TOPIC_AUTHORIZATION_FAILED)
                .setErrorMessage(Authorizer.refusal(caller, operation, AclResourceType.TOPIC, topic).getMessage()).build();
    }

    @Override
    public void createTopics(CreateTopicsRequest request, StreamObserver<CreateTopicsResponse> out) {
        Principal caller = Authentication.caller();
        boolean onCluster = authorizer.allowsOnCluster(caller, AclOperation.CREATE);
        List<TopicResult> refused = new ArrayList<>();
        CreateTopicsRequest.Builder allowed = CreateTopicsRequest.newBuilder();
        for (TopicSpec spec : request.getTopicsList()) {
            TopicResult no = onCluster ? null : refusedTopic(caller, AclOperation.CREATE, spec.getName());
            if (no == null) {
                allowed.addTopics(spec);
            } else {
                refused.add(no);
            }
        }
        if (allowed.getTopicsCount() == 0 && !refused.isEmpty()) {
            answer(out, CreateTopicsResponse.newBuilder().addAllResults(refused).setControllerId(controllers.controllerId()).build());
            return;
        }
        relay(controllers.forward(stub -> stub.createTopics(allowed.build()), CreateTopicsResponse::getControllerId,
            r -> r.getResultsList().stream().anyMatch(t -> t.getError() == ErrorCode.NOT_CONTROLLER))
            .thenApply(r -> r.toBuilder().addAllResults(refused).build()), out);
    }

    @Override
    public void deleteTopics(DeleteTopicsRequest request, StreamObserver<DeleteTopicsResponse> out) {
        Principal caller = Authentication.caller();
        List<TopicResult> refused = new ArrayList<>();
        DeleteTopicsRequest.Builder allowed = DeleteTopicsRequest.newBuilder();
        for (String name : request.getNamesList()) {
            TopicResult no = refusedTopic(caller, AclOperation.DELETE, name);
            if (no == null) {
                allowed.addNames(name);
            } else {
                refused.add(no);
            }
        }
        if (allowed.getNamesCount() == 0 && !refused.isEmpty()) {
            answer(out, DeleteTopicsResponse.newBuilder().addAllResults(refused).setControllerId(controllers.controllerId()).build());
            return;
        }
        relay(controllers.forward(stub -> stub.deleteTopics(allowed.build()), DeleteTopicsResponse::getControllerId,
            r -> r.getResultsList().stream().anyMatch(t -> t.getError() == ErrorCode.NOT_CONTROLLER))
            .thenApply(r -> r.toBuilder().addAllResults(refused).build()), out);
    }

    @Override
    public void createPartitions(CreatePartitionsRequest request, StreamObserver<CreatePartitionsResponse> out) {
        TopicResult refused = refusedTopic(Authentication.caller(), AclOperation.ALTER, request.getTopic());
        if (refused != null) {
            answer(out, CreatePartitionsResponse.newBuilder().setResult(refused).setControllerId(controllers.controllerId()).build());
            return;
        }
        relay(controllers.forward(stub -> stub.createPartitions(request), CreatePartitionsResponse::getControllerId,
            r -> r.getResult().getError() == ErrorCode.NOT_CONTROLLER), out);
    }

    @Override
    public void alterConfigs(AlterConfigsRequest request, StreamObserver<AlterConfigsResponse> out) {
        TopicResult refused = refusedTopic(Authentication.caller(), AclOperation.ALTER_CONFIGS, request.getTopic());
        if (refused != null) {
            answer(out, AlterConfigsResponse.newBuilder().setResult(refused).setControllerId(controllers.controllerId()).build());
            return;
        }
        relay(controllers.forward(stub -> stub.alterConfigs(request), AlterConfigsResponse::getControllerId,
            r -> r.getResult().getError() == ErrorCode.NOT_CONTROLLER), out);
    }

    /**
     * Forwards a cluster-wide call if the caller may do {@code operation} on the cluster; else
     * answers {@code refusal} of the message naming what was missing.
     */
    private <T> void onCluster(AclOperation operation, Function<String, T> refusal, Supplier<CompletableFuture<T>> call,
                               StreamObserver<T> out) {
        Principal caller = Authentication.caller();
        String refused = authorizer.allowsOnCluster(caller, operation) ? null
            : Authorizer.refusal(caller, operation, AclResourceType.CLUSTER, "").getMessage();
        if (refused != null) {
            answer(out, refusal.apply(refused));
        } else {
            relay(call.get(), out);
        }
    }

    @Override
    public void electPreferredLeaders(ElectPreferredLeadersRequest request, StreamObserver<ElectPreferredLeadersResponse> out) {
        onCluster(AclOperation.ALTER, refused -> ElectPreferredLeadersResponse.newBuilder()
                .setError(ErrorCode.CLUSTER_AUTHORIZATION_FAILED).setErrorMessage(refused).setControllerId(controllers.controllerId())
                .build(),
            () -> controllers.forward(stub -> stub.electPreferredLeaders(request), ElectPreferredLeadersResponse::getControllerId,
                r -> r.getError() == ErrorCode.NOT_CONTROLLER), out);
    }

    @Override
    public void reassignPartition(ReassignPartitionRequest request, StreamObserver<ReassignPartitionResponse> out) {
        onCluster(AclOperation.ALTER, refused -> ReassignPartitionResponse.newBuilder()
                .setError(ErrorCode.CLUSTER_AUTHORIZATION_FAILED).setErrorMessage(refused).setControllerId(controllers.controllerId())
                .build(),
            () -> controllers.forward(stub -> stub.reassignPartition(request), ReassignPartitionResponse::getControllerId,
                r -> r.getError() == ErrorCode.NOT_CONTROLLER), out);
    }

    /** Open to every caller, but shows only the topics it may DESCRIBE, configs only with DESCRIBE_CONFIGS, never ACLs. */
    @Override
    public void describeCluster(DescribeClusterRequest request, StreamObserver<DescribeClusterResponse> out) {
        Principal caller = Authentication.caller();
        relay(controllers.forward(stub -> stub.describeCluster(request), DescribeClusterResponse::getControllerId, r -> false)
            .thenApply(r -> r.toBuilder().setImage(visibleTo(caller, r.getImage())).build()), out);
    }

    private MetadataImageProto visibleTo(Principal caller, MetadataImageProto image) {
        MetadataImageProto.Builder visible = image.toBuilder().clearAcls().clearTopics();
        for (TopicImage t : image.getTopicsList()) {
            if (authorizer.allows(caller, AclOperation.DESCRIBE, AclResourceType.TOPIC, t.getName())) {
                visible.addTopics(authorizer.allows(caller, AclOperation.DESCRIBE_CONFIGS, AclResourceType.TOPIC, t.getName())
                    ? t : t.toBuilder().clearConfigs().build());
            }
        }
        return visible.build();
    }

    @Override
    public void createAcls(CreateAclsRequest request, StreamObserver<CreateAclsResponse> out) {
        onCluster(AclOperation.ALTER, refused -> CreateAclsResponse.newBuilder().setError(ErrorCode.CLUSTER_AUTHORIZATION_FAILED)
                .setErrorMessage(refused).setControllerId(controllers.controllerId()).build(),
            () -> controllers.forward(stub -> stub.createAcls(request), CreateAclsResponse::getControllerId,
                r -> r.getError() == ErrorCode.NOT_CONTROLLER), out);
    }

    @Override
    public void deleteAcls(DeleteAclsRequest request, StreamObserver<DeleteAclsResponse> out) {
        onCluster(AclOperation.ALTER, refused -> DeleteAclsResponse.newBuilder().setError(ErrorCode.CLUSTER_AUTHORIZATION_FAILED)
                .setErrorMessage(refused).setControllerId(controllers.controllerId()).build(),
            () -> controllers.forward(stub -> stub.deleteAcls(request), DeleteAclsResponse::getControllerId,
                r -> r.getError() == ErrorCode.NOT_CONTROLLER), out);
    }

    @Override
    public void describeAcls(DescribeAclsRequest request, StreamObserver<DescribeAclsResponse> out) {
        onCluster(AclOperation.DESCRIBE, refused -> DescribeAclsResponse.newBuilder().setError(ErrorCode.CLUSTER_AUTHORIZATION_FAILED)
                .setErrorMessage(refused).setControllerId(controllers.controllerId()).build(),
            () -> controllers.forward(stub -> stub.describeAcls(request), DescribeAclsResponse::getControllerId,
                r -> r.getError() == ErrorCode.NOT_CONTROLLER), out);
    }

    @Override
    public void addVoter(AddVoterRequest request, StreamObserver<AddVoterResponse> out) {
        onCluster(AclOperation.ALTER, refused -> AddVoterResponse.newBuilder().setError(ErrorCode.CLUSTER_AUTHORIZATION_FAILED)
                .setErrorMessage(refused).setControllerId(controllers.controllerId()).build(),
            () -> controllers.forward(stub -> stub.addVoter(request), AddVoterResponse::getControllerId,
                r -> r.getError() == ErrorCode.NOT_CONTROLLER), out);
    }

    @Override
    public void removeVoter(RemoveVoterRequest request, StreamObserver<RemoveVoterResponse> out) {
        onCluster(AclOperation.ALTER, refused -> RemoveVoterResponse.newBuilder().setError(ErrorCode.CLUSTER_AUTHORIZATION_FAILED)
                .setErrorMessage(refused).setControllerId(controllers.controllerId()).build(),
            () -> controllers.forward(stub -> stub.removeVoter(request), RemoveVoterResponse::getControllerId,
                r -> r.getError() == ErrorCode.NOT_CONTROLLER), out);
    }

    @Override
    public void describeQuorum(DescribeQuorumRequest request, StreamObserver<DescribeQuorumResponse> out) {
        onCluster(AclOperation.DESCRIBE, refused -> DescribeQuorumResponse.newBuilder()
                .setError(ErrorCode.CLUSTER_AUTHORIZATION_FAILED).setErrorMessage(refused).setControllerId(controllers.controllerId())
                .build(),
            () -> controllers.forward(stub -> stub.describeQuorum(request), DescribeQuorumResponse::getControllerId,
                r -> r.getError() == ErrorCode.NOT_CONTROLLER), out);
    }
}
