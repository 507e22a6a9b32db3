package io.runnel.broker.grpc;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.runnel.broker.metadata.ControllerClient;
import io.runnel.proto.v1.AdminGrpc;
import io.runnel.proto.v1.AlterConfigsRequest;
import io.runnel.proto.v1.AlterConfigsResponse;
import io.runnel.proto.v1.CreatePartitionsRequest;
import io.runnel.proto.v1.CreatePartitionsResponse;
import io.runnel.proto.v1.CreateTopicsRequest;
import io.runnel.proto.v1.CreateTopicsResponse;
import io.runnel.proto.v1.DeleteTopicsRequest;
import io.runnel.proto.v1.DeleteTopicsResponse;
import io.runnel.proto.v1.DescribeClusterRequest;
import io.runnel.proto.v1.DescribeClusterResponse;
import io.runnel.proto.v1.ElectPreferredLeadersRequest;
import io.runnel.proto.v1.ElectPreferredLeadersResponse;
import java.util.concurrent.CompletableFuture;

/** The Admin service: forwards each call to the active controller through {@link ControllerClient}. */
final class AdminService extends AdminGrpc.AdminImplBase {
    private final ControllerClient controllers;

    AdminService(ControllerClient controllers) {
        this.controllers = controllers;
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

    @Override
    public void createTopics(CreateTopicsRequest request, StreamObserver<CreateTopicsResponse> out) {
        relay(controllers.forward(stub -> stub.createTopics(request), CreateTopicsResponse::getControllerId,
            r -> r.getResultsList().stream().anyMatch(t -> t.getError() == io.runnel.proto.v1.ErrorCode.NOT_CONTROLLER)), out);
    }

    @Override
    public void deleteTopics(DeleteTopicsRequest request, StreamObserver<DeleteTopicsResponse> out) {
        relay(controllers.forward(stub -> stub.deleteTopics(request), DeleteTopicsResponse::getControllerId,
            r -> r.getResultsList().stream().anyMatch(t -> t.getError() == io.runnel.proto.v1.ErrorCode.NOT_CONTROLLER)), out);
    }

    @Override
    public void createPartitions(CreatePartitionsRequest request, StreamObserver<CreatePartitionsResponse> out) {
        relay(controllers.forward(stub -> stub.createPartitions(request), CreatePartitionsResponse::getControllerId,
            r -> r.getResult().getError() == io.runnel.proto.v1.ErrorCode.NOT_CONTROLLER), out);
    }

    @Override
    public void alterConfigs(AlterConfigsRequest request, StreamObserver<AlterConfigsResponse> out) {
        relay(controllers.forward(stub -> stub.alterConfigs(request), AlterConfigsResponse::getControllerId,
            r -> r.getResult().getError() == io.runnel.proto.v1.ErrorCode.NOT_CONTROLLER), out);
    }

    @Override
    public void electPreferredLeaders(ElectPreferredLeadersRequest request, StreamObserver<ElectPreferredLeadersResponse> out) {
        relay(controllers.forward(stub -> stub.electPreferredLeaders(request), ElectPreferredLeadersResponse::getControllerId,
            r -> r.getError() == io.runnel.proto.v1.ErrorCode.NOT_CONTROLLER), out);
    }

    @Override
    public void describeCluster(DescribeClusterRequest request, StreamObserver<DescribeClusterResponse> out) {
        relay(controllers.forward(stub -> stub.describeCluster(request), DescribeClusterResponse::getControllerId, r -> false), out);
    }

}
