package io.runnel.metadata.service;

import io.grpc.stub.StreamObserver;
import io.runnel.metadata.acl.AclBinding;
import io.runnel.metadata.controller.BrokerRegistrationRequest;
import io.runnel.metadata.controller.ControllerException;
import io.runnel.metadata.controller.MovesRefusedException;
import io.runnel.metadata.controller.PreferredLeaders;
import io.runnel.metadata.controller.QuorumController;
import io.runnel.metadata.image.PartitionInfo;
import io.runnel.proto.v1.AddVoterRequest;
import io.runnel.proto.v1.AddVoterResponse;
import io.runnel.proto.v1.AllocateProducerIdsRequest;
import io.runnel.proto.v1.AllocateProducerIdsResponse;
import io.runnel.proto.v1.AlterConfigsRequest;
import io.runnel.proto.v1.AlterConfigsResponse;
import io.runnel.proto.v1.AlterPartitionRequest;
import io.runnel.proto.v1.AlterPartitionResponse;
import io.runnel.proto.v1.ApplyResult;
import io.runnel.proto.v1.BrokerHeartbeatRequest;
import io.runnel.proto.v1.BrokerHeartbeatResponse;
import io.runnel.proto.v1.ControllerGrpc;
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
import io.runnel.proto.v1.ElectionResult;
import io.runnel.proto.v1.ElectionTopic;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.MetadataEvent;
import io.runnel.proto.v1.PartitionRegistration;
import io.runnel.proto.v1.QuorumVoter;
import io.runnel.proto.v1.ReassignPartitionRequest;
import io.runnel.proto.v1.ReassignPartitionResponse;
import io.runnel.proto.v1.ReassignmentMove;
import io.runnel.proto.v1.RegisterBrokerRequest;
import io.runnel.proto.v1.RegisterBrokerResponse;
import io.runnel.proto.v1.RemoveVoterRequest;
import io.runnel.proto.v1.RemoveVoterResponse;
import io.runnel.proto.v1.TopicResult;
import io.runnel.proto.v1.TopicSpec;
import io.runnel.proto.v1.WatchMetadataRequest;
import io.runnel.security.ClusterAccess;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The Controller gRPC service: a thin adapter over {@link QuorumController} and the metadata
 * stream. Refusals travel as error codes in the response, with the active controller's id.
 *
 * <p>Only cluster nodes call it (brokers, controllers, and brokers forwarding their clients' admin
 * calls), so the controller listener admits cluster principals only ({@link ClusterAccess#clusterOnly},
 * installed on the server). Calls that speak for one broker (RegisterBroker, BrokerHeartbeat,
 * AlterPartition, AllocateProducerIds) must come from that broker's own identity: one node cannot
 * fence, unfence or rewrite the ISR in another's name. A refusal is PERMISSION_DENIED naming both ids.
 */
public final class ControllerService extends ControllerGrpc.ControllerImplBase {
    private final QuorumController controller;
    private final MetadataStream stream;
    private final ClusterAccess access;

    /** @param window applied batches kept for watchers that fall a little behind */
    public ControllerService(QuorumController controller, io.runnel.metadata.quorum.MetadataStateMachine stateMachine, int window) {
        this(controller, stateMachine, window, ClusterAccess.open());
    }

    /** @param access checks that a call speaking for a broker comes from that broker */
    public ControllerService(QuorumController controller, io.runnel.metadata.quorum.MetadataStateMachine stateMachine, int window,
                             ClusterAccess access) {
        this.controller = controller;
        this.stream = new MetadataStream(stateMachine, window);
        this.access = access;
    }

    /** Ends every open metadata stream, before the server stops. */
    public void closeStreams() {
        stream.closeAll();
    }

    private static ErrorCode code(Throwable t) {
        Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        return cause instanceof ControllerException c ? c.code() : ErrorCode.UNKNOWN_SERVER_ERROR;
    }

    private static String message(Throwable t) {
        Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        return String.valueOf(cause.getMessage());
    }

    private static <T> void answer(StreamObserver<T> out, T value) {
        out.onNext(value);
        out.onCompleted();
    }

    @Override
    public void registerBroker(RegisterBrokerRequest request, StreamObserver<RegisterBrokerResponse> out) {
        if (access.refuses(request.getBrokerId(), "broker_id", out)) {
            return;
        }
        controller.registerBroker(new BrokerRegistrationRequest(request.getBrokerId(), request.getIncarnationId(),
            request.getEndpoint().getHost(), request.getEndpoint().getPort(),
            request.hasInternalEndpoint() ? request.getInternalEndpoint() : null, request.getRack(), request.getDirectoryId(),
            request.hasExternalEndpoint() ? request.getExternalEndpoint() : null))
            .whenComplete((epoch, error) -> answer(out, error == null
                ? RegisterBrokerResponse.newBuilder().setBrokerEpoch(epoch).setControllerId(-1).build()
                : RegisterBrokerResponse.newBuilder().setError(code(error)).setErrorMessage(message(error))
                    .setControllerId(controller.activeControllerId()).build()));
    }

    @Override
    public void brokerHeartbeat(BrokerHeartbeatRequest request, StreamObserver<BrokerHeartbeatResponse> out) {
        if (access.refuses(request.getBrokerId(), "broker_id", out)) {
            return;
        }
        controller.heartbeat(request.getBrokerId(), request.getBrokerEpoch(), request.getMetadataOffset(),
            request.getWantShutdown(), request.getLogDirOffline(), ConnectionTracking.REMOTE_ADDRESS.get()).whenComplete((r, error) -> answer(out, error == null
                ? BrokerHeartbeatResponse.newBuilder().setFenced(r.fenced()).setShutdownReady(r.shutdownReady()).setControllerId(-1)
                    .setMetadataOffset(controller.image().offset()).build()
                : BrokerHeartbeatResponse.newBuilder().setError(code(error)).setErrorMessage(message(error))
                    .setControllerId(controller.activeControllerId()).build()));
    }

    @Override
    public void alterPartition(AlterPartitionRequest r, StreamObserver<AlterPartitionResponse> out) {
        if (access.refuses(r.getBrokerId(), "broker_id", out)) {
            return;
        }
        controller.alterPartition(r.getBrokerId(), r.getBrokerEpoch(), r.getTopic(), r.getPartition(), r.getLeaderEpoch(),
            r.getPartitionEpoch(), r.getNewIsrList()).whenComplete((p, error) -> {
                if (error != null) {
                    answer(out, AlterPartitionResponse.newBuilder().setError(code(error)).setErrorMessage(message(error))
                        .setControllerId(controller.activeControllerId()).build());
                } else {
                    answer(out, AlterPartitionResponse.newBuilder().setPartition(toProto(p)).setControllerId(-1).build());
                }
            });
    }

    static PartitionRegistration toProto(PartitionInfo p) {
        return PartitionRegistration.newBuilder().setPartition(p.partition()).addAllReplicas(p.replicas()).addAllIsr(p.isr())
            .setLeader(p.leader()).setLeaderEpoch(p.leaderEpoch()).setPartitionEpoch(p.partitionEpoch()).build();
    }

    @Override
    public void watchMetadata(WatchMetadataRequest request, StreamObserver<MetadataEvent> out) {
        stream.watch(request.getFromOffset(), out);
    }

    @Override
    public void createTopics(CreateTopicsRequest request, StreamObserver<CreateTopicsResponse> out) {
        List<CompletableFuture<TopicResult>> results = new ArrayList<>();
        for (TopicSpec spec : request.getTopicsList()) {
            results.add(toResult(spec.getName(), controller.createTopic(spec.getName(), spec.getPartitions(),
                spec.getReplicationFactor(), spec.getConfigsMap())));
        }
        all(results).thenAccept(list -> answer(out, CreateTopicsResponse.newBuilder().addAllResults(list)
            .setControllerId(controller.activeControllerId()).build()));
    }

    @Override
    public void deleteTopics(DeleteTopicsRequest request, StreamObserver<DeleteTopicsResponse> out) {
        List<CompletableFuture<TopicResult>> results = new ArrayList<>();
        for (String name : request.getNamesList()) {
            results.add(toResult(name, controller.deleteTopic(name)));
        }
        all(results).thenAccept(list -> answer(out, DeleteTopicsResponse.newBuilder().addAllResults(list)
            .setControllerId(controller.activeControllerId()).build()));
    }

    @Override
    public void createPartitions(CreatePartitionsRequest request, StreamObserver<CreatePartitionsResponse> out) {
        toResult(request.getTopic(), controller.increasePartitions(request.getTopic(), request.getCount()))
            .thenAccept(r -> answer(out, CreatePartitionsResponse.newBuilder().setResult(r)
                .setControllerId(controller.activeControllerId()).build()));
    }

    @Override
    public void alterConfigs(AlterConfigsRequest request, StreamObserver<AlterConfigsResponse> out) {
        toResult(request.getTopic(), controller.alterConfigs(request.getTopic(), request.getConfigsMap()))
            .thenAccept(r -> answer(out, AlterConfigsResponse.newBuilder().setResult(r)
                .setControllerId(controller.activeControllerId()).build()));
    }

    @Override
    public void electPreferredLeaders(ElectPreferredLeadersRequest request, StreamObserver<ElectPreferredLeadersResponse> out) {
        // A topic named twice: the union of its partitions, or all of them if either names none.
        Map<String, Set<Integer>> asked = new LinkedHashMap<>();
        for (ElectionTopic t : request.getTopicsList()) {
            Set<Integer> partitions = new TreeSet<>(t.getPartitionsList());
            asked.merge(t.getTopic(), partitions, (a, b) -> a.isEmpty() || b.isEmpty() ? Set.of() : union(a, b));
        }
        controller.electPreferredLeaders(asked).whenComplete((election, error) -> {
            ElectPreferredLeadersResponse.Builder r = ElectPreferredLeadersResponse.newBuilder()
                .setControllerId(controller.activeControllerId());
            if (error != null) {
                answer(out, r.setError(code(error)).setErrorMessage(message(error)).build());
                return;
            }
            r.setMoved(election.moved());
            for (PreferredLeaders.Result p : election.results()) {
                r.addResults(ElectionResult.newBuilder().setTopic(p.topic()).setPartition(p.partition()).setError(p.error())
                    .setErrorMessage(p.message()).setLeader(p.leader()));
            }
            answer(out, r.build());
        });
    }

    private static Set<Integer> union(Set<Integer> a, Set<Integer> b) {
        Set<Integer> out = new TreeSet<>(a);
        out.addAll(b);
        return out;
    }

    @Override
    public void describeCluster(DescribeClusterRequest request, StreamObserver<DescribeClusterResponse> out) {
        answer(out, DescribeClusterResponse.newBuilder().setControllerId(controller.activeControllerId())
            .setImage(controller.image().toProto().toBuilder().clearProducerIdKey()).build()); // the key is secret
    }

    @Override
    public void allocateProducerIds(AllocateProducerIdsRequest request, StreamObserver<AllocateProducerIdsResponse> out) {
        if (access.refuses(request.getBrokerId(), "broker_id", out)) {
            return;
        }
        controller.allocateProducerIds(request.getBrokerId(), request.getBrokerEpoch()).whenComplete((first, error) -> answer(out,
            error == null
                ? AllocateProducerIdsResponse.newBuilder().setFirstProducerId(first).setCount(QuorumController.PRODUCER_ID_BLOCK)
                    .setControllerId(controller.activeControllerId()).build()
                : AllocateProducerIdsResponse.newBuilder().setError(code(error)).setErrorMessage(message(error))
                    .setControllerId(controller.activeControllerId()).build()));
    }

    @Override
    public void addVoter(AddVoterRequest request, StreamObserver<AddVoterResponse> out) {
        controller.voters().add(request.getNodeId(), request.getRaftEndpoint().getHost(), request.getRaftEndpoint().getPort())
            .whenComplete((voters, error) -> answer(out, error == null
                ? AddVoterResponse.newBuilder().addAllVoters(voters).setControllerId(controller.activeControllerId()).build()
                : AddVoterResponse.newBuilder().setError(code(error)).setErrorMessage(message(error))
                    .setControllerId(controller.activeControllerId()).build()));
    }

    @Override
    public void removeVoter(RemoveVoterRequest request, StreamObserver<RemoveVoterResponse> out) {
        controller.voters().remove(request.getNodeId())
            .whenComplete((voters, error) -> answer(out, error == null
                ? RemoveVoterResponse.newBuilder().addAllVoters(voters).setControllerId(controller.activeControllerId()).build()
                : RemoveVoterResponse.newBuilder().setError(code(error)).setErrorMessage(message(error))
                    .setControllerId(controller.activeControllerId()).build()));
    }

    @Override
    public void describeQuorum(DescribeQuorumRequest request, StreamObserver<DescribeQuorumResponse> out) {
        controller.voters().describe().whenComplete((status, error) -> answer(out, error == null
            ? DescribeQuorumResponse.newBuilder().setControllerId(status.leaderId()).setTerm(status.term())
                .addAllVoters(status.voters().stream().map(v -> QuorumVoter.newBuilder().setNodeId(v.nodeId())
                    .setRaftAddress(v.raftAddress()).setLeader(v.leader()).setLastContactMs(v.lastContactMs()).build()).toList())
                .build()
            : DescribeQuorumResponse.newBuilder().setError(code(error)).setErrorMessage(message(error))
                .setControllerId(controller.activeControllerId()).build()));
    }

    /**
     * One partition by the request's topic, partition and replicas, or several by its moves: either
     * way one decision on one image, proposed as one batch or refused whole; several moves' refusal
     * names each refused one, a single move's keeps its own code and reason.
     */
    @Override
    public void reassignPartition(ReassignPartitionRequest request, StreamObserver<ReassignPartitionResponse> out) {
        boolean several = request.getMovesCount() > 0;
        if (several && (!request.getTopic().isEmpty() || request.getPartition() != 0 || request.getReplicasCount() > 0)) {
            answer(out, ReassignPartitionResponse.newBuilder().setError(ErrorCode.INVALID_REQUEST)
                .setErrorMessage("a request with moves names no topic, partition or replicas of its own")
                .setControllerId(controller.activeControllerId()).build());
            return;
        }
        List<ReassignmentMove> moves = several ? request.getMovesList() : List.of(ReassignmentMove.newBuilder()
            .setTopic(request.getTopic()).setPartition(request.getPartition()).addAllReplicas(request.getReplicasList()).build());
        controller.reassignPartitions(moves, request.getThrottleBytesPerSec(), request.getCancel()).whenComplete((r, error) -> {
            ReassignPartitionResponse.Builder answer = ReassignPartitionResponse.newBuilder()
                .setControllerId(controller.activeControllerId());
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            if (cause instanceof MovesRefusedException refused && several) {
                answer.setError(refused.code()).setErrorMessage(refused.getMessage()).addAllRefused(refused.refusals());
            } else if (cause instanceof MovesRefusedException refused) {
                answer.setError(refused.code()).setErrorMessage(refused.refusals().get(0).getErrorMessage());
            } else if (error != null) {
                answer.setError(code(error)).setErrorMessage(message(error));
            }
            answer(out, answer.build());
        });
    }

    @Override
    public void createAcls(CreateAclsRequest request, StreamObserver<CreateAclsResponse> out) {
        controller.createAcls(request.getAclsList()).whenComplete((r, error) -> answer(out, error == null
            ? CreateAclsResponse.newBuilder().setControllerId(controller.activeControllerId()).build()
            : CreateAclsResponse.newBuilder().setError(code(error)).setErrorMessage(message(error))
                .setControllerId(controller.activeControllerId()).build()));
    }

    @Override
    public void deleteAcls(DeleteAclsRequest request, StreamObserver<DeleteAclsResponse> out) {
        controller.deleteAcls(request.getFiltersList()).whenComplete((removed, error) -> answer(out, error == null
            ? DeleteAclsResponse.newBuilder().addAllDeleted(removed.stream().map(AclBinding::toProto).toList())
                .setControllerId(controller.activeControllerId()).build()
            : DeleteAclsResponse.newBuilder().setError(code(error)).setErrorMessage(message(error))
                .setControllerId(controller.activeControllerId()).build()));
    }

    @Override
    public void describeAcls(DescribeAclsRequest request, StreamObserver<DescribeAclsResponse> out) {
        controller.describeAcls(request.getFilter()).whenComplete((acls, error) -> answer(out, error == null
            ? DescribeAclsResponse.newBuilder().addAllAcls(acls.stream().map(AclBinding::toProto).toList())
                .setControllerId(controller.activeControllerId()).build()
            : DescribeAclsResponse.newBuilder().setError(code(error)).setErrorMessage(message(error))
                .setControllerId(controller.activeControllerId()).build()));
    }

    private static CompletableFuture<TopicResult> toResult(String name, CompletableFuture<ApplyResult> future) {
        return future.handle((r, error) -> error == null ? TopicResult.newBuilder().setName(name).build()
            : TopicResult.newBuilder().setName(name).setError(code(error)).setErrorMessage(message(error)).build());
    }

    private static <T> CompletableFuture<List<T>> all(List<CompletableFuture<T>> futures) {
        return CompletableFuture.allOf(futures.toArray(new CompletableFuture[0]))
            .thenApply(v -> futures.stream().map(CompletableFuture::join).toList());
    }

}
