package io.runnel.broker.grpc;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.runnel.broker.auth.Authorizer;
import io.runnel.broker.auth.ProducerIdOwnership;
import io.runnel.broker.metadata.BrokerEndpoint;
import io.runnel.broker.metadata.ClusterView;
import io.runnel.broker.metadata.ControllerClient;
import io.runnel.broker.metrics.BrokerMetrics;
import io.runnel.broker.partition.PartitionState;
import io.runnel.broker.partition.TopicPartition;
import io.runnel.broker.replica.BrokerNotReadyException;
import io.runnel.broker.replica.PartitionConfig;
import io.runnel.broker.replica.ReplicaManager;
import io.runnel.log.TimestampOffset;
import io.runnel.metadata.controller.ControllerException;
import io.runnel.metadata.controller.ControllerLogic;
import io.runnel.proto.v1.AclOperation;
import io.runnel.proto.v1.AclResourceType;
import io.runnel.proto.v1.BrokerGrpc;
import io.runnel.proto.v1.BrokerInfo;
import io.runnel.proto.v1.DeleteRecordsPartition;
import io.runnel.proto.v1.DeleteRecordsRequest;
import io.runnel.proto.v1.DeleteRecordsResponse;
import io.runnel.proto.v1.DeleteRecordsResult;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.FetchRequest;
import io.runnel.proto.v1.FetchResponse;
import io.runnel.proto.v1.InitProducerIdRequest;
import io.runnel.proto.v1.InitProducerIdResponse;
import io.runnel.proto.v1.LeaderHint;
import io.runnel.proto.v1.ListOffsetsPartition;
import io.runnel.proto.v1.ListOffsetsPartitionResponse;
import io.runnel.proto.v1.ListOffsetsRequest;
import io.runnel.proto.v1.ListOffsetsResponse;
import io.runnel.proto.v1.ListOffsetsTopic;
import io.runnel.proto.v1.ListOffsetsTopicResponse;
import io.runnel.proto.v1.MetadataRequest;
import io.runnel.proto.v1.MetadataResponse;
import io.runnel.proto.v1.PartitionMetadata;
import io.runnel.proto.v1.ProduceRequest;
import io.runnel.proto.v1.ProduceResponse;
import io.runnel.proto.v1.TopicMetadata;
import io.runnel.security.Authentication;
import io.runnel.security.Principal;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Executor;

/**
 * The client-facing Broker service: validates requests, converts between protobuf and the broker's
 * types, and leaves all the work to {@link ReplicaManager}. Whole-request faults are gRPC
 * INVALID_ARGUMENT; everything about a partition is its error code. The {@link Authorizer} is asked
 * per topic or partition entry: WRITE to produce, READ to fetch, DESCRIBE to list offsets or see a
 * topic in Metadata; refused entries get TOPIC_AUTHORIZATION_FAILED and the others go on. Producer
 * ids are derived for the principal that asks InitProducerId, and a produced batch under an id of
 * another principal is refused ({@link ProducerIdOwnership}). Produce is served by
 * {@link ProduceCalls}, Fetch and FetchStream by {@link FetchCalls}; this class keeps Metadata,
 * InitProducerId, ListOffsets and DeleteRecords.
 */
final class BrokerService extends BrokerGrpc.BrokerImplBase {
    private final ReplicaManager replicaManager;
    private final ClusterView cluster;
    /** The node's default topic settings ({@code default.*} without the prefix). */
    private final Map<String, String> topicDefaults;
    private final Authorizer authorizer;
    private final ProducerIdOwnership producerIds;
    private final AutoTopicCreation autoCreate;
    /** Produce, the service's largest job, in a class of its own. */
    private final ProduceCalls produces;
    /** Fetch and FetchStream (bound in {@link BrokerServer} through {@link #fetchSpliced}). */
    private final FetchCalls fetches;

    /**
     * @param mayBlock    runs the appends to partitions with flush.policy=sync (they wait for the fsync)
     * @param producerIds derives the producer ids InitProducerId gives out, and checks the ids of produced batches
     * @param autoCreate  whether and how Metadata creates a missing topic it is asked for
     */
    BrokerService(ReplicaManager replicaManager, ClusterView cluster, Clock clock, BrokerMetrics metrics,
                  Map<String, String> topicDefaults, Executor mayBlock, Authorizer authorizer, ProducerIdOwnership producerIds,
                  AutoTopicCreation autoCreate) {
        this.authorizer = authorizer;
        this.producerIds = producerIds;
        this.autoCreate = autoCreate;
        this.topicDefaults = Map.copyOf(topicDefaults);
        this.replicaManager = replicaManager;
        this.cluster = cluster;
        this.produces = new ProduceCalls(replicaManager, cluster, clock, metrics, mayBlock, authorizer, producerIds);
        this.fetches = new FetchCalls(replicaManager, cluster, metrics, authorizer);
    }

    // ---------------------------------------------------------------- metadata

    @Override
    public void metadata(MetadataRequest request, StreamObserver<MetadataResponse> response) {
        Optional<String> notReady = cluster.notReady();
        if (notReady.isPresent()) {
            // A broker still replaying the metadata log would list too few topics; clients move to another one.
            response.onError(Status.UNAVAILABLE.withDescription(notReady.get()).asRuntimeException());
            return;
        }
        MetadataResponse.Builder out = MetadataResponse.newBuilder().setControllerId(cluster.controllerId());
        boolean external = ExternalListener.current();
        for (BrokerEndpoint live : cluster.brokers()) {
            BrokerEndpoint b = live.seenFrom(external);
            out.addBrokers(BrokerInfo.newBuilder().setId(b.id()).setHost(b.host()).setPort(b.port()).setRack(b.rack()));
        }
        Map<String, Map<Integer, PartitionState>> topics = cluster.topics();
        Principal caller = Authentication.caller();
        // Listing every topic shows only those the caller may DESCRIBE (Kafka's rule); one asked by name is refused.
        List<String> names = request.getTopicsCount() == 0 ? new TreeMap<>(topics).keySet().stream()
            .filter(t -> authorizer.allows(caller, AclOperation.DESCRIBE, AclResourceType.TOPIC, t)).toList() : request.getTopicsList();
        for (String name : names) {
            Map<Integer, PartitionState> partitions = topics.get(name);
            TopicMetadata.Builder topic = TopicMetadata.newBuilder().setName(name);
            if (!authorizer.allows(caller, AclOperation.DESCRIBE, AclResourceType.TOPIC, name)) {
                out.addTopics(topic.setError(ErrorCode.TOPIC_AUTHORIZATION_FAILED));
                continue;
            }
            if (partitions == null) {
                if (!validTopicName(name)) {
                    out.addTopics(topic.setError(ErrorCode.INVALID_TOPIC));
                } else if (request.getAllowAutoTopicCreation() && autoCreate.enabled()
                    && authorizer.allows(caller, AclOperation.CREATE, AclResourceType.TOPIC, name)) {
                    // Created through the active controller; the client retries until the topic shows.
                    autoCreate.creator().create(name, autoCreate.partitions());
                    out.addTopics(topic.setError(ErrorCode.LEADER_NOT_AVAILABLE));
                } else {
                    out.addTopics(topic.setError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION));
                }
                continue;
            }
            new TreeMap<>(partitions).forEach((partition, state) -> topic.addPartitions(PartitionMetadata.newBuilder()
                .setPartition(partition)
                .setError(state.leaderId() < 0 ? ErrorCode.LEADER_NOT_AVAILABLE : ErrorCode.NONE)
                .setLeaderId(state.leaderId()).setLeaderEpoch(state.leaderEpoch())
                .addAllReplicas(state.replicas()).addAllIsr(state.isr())));
            out.addTopics(topic.setMaxMessageBytes(PartitionConfig.maxMessageBytes(cluster.topicConfigs(name), topicDefaults)));
        }
        response.onNext(out.build());
        response.onCompleted();
    }

    // ---------------------------------------------------------------- produce (ProduceCalls), fetch (FetchCalls)

    @Override
    public void produce(ProduceRequest request, StreamObserver<ProduceResponse> response) {
        produces.produce(request, response);
    }

    /**
     * Fetch, answered through {@link SplicingMarshaller}: the response is a FetchResponse on the wire
     * whose record_batches come straight from the log files (bound in {@link BrokerServer}).
     */
    void fetchSpliced(FetchRequest request, StreamObserver<SplicedMessage> response) {
        fetches.fetchSpliced(request, response);
    }

    private static boolean validTopicName(String name) {
        try {
            ControllerLogic.validateTopicName(name);
            return true;
        } catch (ControllerException e) {
            return false;
        }
    }

    // ---------------------------------------------------------------- producer ids

    @Override
    public void initProducerId(InitProducerIdRequest request, StreamObserver<InitProducerIdResponse> response) {
        InitProducerIdResponse.Builder out = InitProducerIdResponse.newBuilder();
        Principal caller = Authentication.caller();
        if (!authorizer.allowsIdempotentWrite(caller)) {
            out.setError(ErrorCode.CLUSTER_AUTHORIZATION_FAILED).setErrorMessage(Authorizer.refusal(caller,
                AclOperation.IDEMPOTENT_WRITE, AclResourceType.CLUSTER, "").getMessage() + " (nor WRITE on any topic)");
        } else if (cluster instanceof ControllerClient controllers) {
            try {
                // Derived for the caller: another principal's produce under it is refused (ProducerIdOwnership).
                out.setProducerId(producerIds.issue(controllers.nextProducerId(), caller)).setProducerEpoch(0);
            } catch (RuntimeException e) {
                out.setError(ErrorCode.UNKNOWN_SERVER_ERROR).setErrorMessage(String.valueOf(e.getMessage()));
            }
        } else {
            out.setError(ErrorCode.UNKNOWN_SERVER_ERROR).setErrorMessage("this broker runs without a controller quorum");
        }
        response.onNext(out.build());
        response.onCompleted();
    }

    // ---------------------------------------------------------------- list offsets

    @Override
    public void listOffsets(ListOffsetsRequest request, StreamObserver<ListOffsetsResponse> response) {
        ListOffsetsResponse.Builder out = ListOffsetsResponse.newBuilder();
        Optional<String> notReady = cluster.notReady();
        Principal caller = Authentication.caller();
        for (ListOffsetsTopic topic : request.getTopicsList()) {
            ListOffsetsTopicResponse.Builder tr = ListOffsetsTopicResponse.newBuilder().setTopic(topic.getTopic());
            for (ListOffsetsPartition p : topic.getPartitionsList()) {
                ListOffsetsPartitionResponse.Builder pr = ListOffsetsPartitionResponse.newBuilder().setPartition(p.getPartition());
                try {
                    authorizer.check(caller, AclOperation.DESCRIBE, AclResourceType.TOPIC, topic.getTopic());
                    if (notReady.isPresent()) {
                        throw new BrokerNotReadyException(notReady.get());
                    }
                    TimestampOffset found = replicaManager.listOffset(new TopicPartition(topic.getTopic(), p.getPartition()),
                        p.getTimestamp());
                    pr.setOffset(found.offset()).setTimestamp(found.timestamp()).setError(ErrorCode.NONE);
                } catch (RuntimeException e) {
                    pr.setOffset(-1).setTimestamp(-1).setError(ErrorCodes.of(e)).setErrorMessage(ErrorCodes.message(e));
                    LeaderHint hint = ErrorCodes.hint(e);
                    if (hint != null) {
                        pr.setCurrentLeader(hint);
                    }
                }
                tr.addPartitions(pr);
            }
            out.addTopics(tr);
        }
        response.onNext(out.build());
        response.onCompleted();
    }

    // ---------------------------------------------------------------- delete records

    @Override
    public void deleteRecords(DeleteRecordsRequest request, StreamObserver<DeleteRecordsResponse> response) {
        DeleteRecordsResponse.Builder out = DeleteRecordsResponse.newBuilder();
        Optional<String> notReady = cluster.notReady();
        Principal caller = Authentication.caller();
        for (DeleteRecordsPartition p : request.getPartitionsList()) {
            DeleteRecordsResult.Builder r = DeleteRecordsResult.newBuilder().setTopic(p.getTopic()).setPartition(p.getPartition());
            try {
                // Kafka's rule: DELETE on the topic.
                authorizer.check(caller, AclOperation.DELETE, AclResourceType.TOPIC, p.getTopic());
                if (notReady.isPresent()) {
                    throw new BrokerNotReadyException(notReady.get());
                }
                r.setLogStartOffset(replicaManager.deleteRecords(new TopicPartition(p.getTopic(), p.getPartition()),
                    p.getBeforeOffset()));
            } catch (RuntimeException e) {
                r.setLogStartOffset(-1).setError(ErrorCodes.of(e)).setErrorMessage(ErrorCodes.message(e));
                LeaderHint hint = ErrorCodes.hint(e);
                if (hint != null) {
                    r.setCurrentLeader(hint);
                }
            }
            out.addResults(r);
        }
        response.onNext(out.build());
        response.onCompleted();
    }
}
