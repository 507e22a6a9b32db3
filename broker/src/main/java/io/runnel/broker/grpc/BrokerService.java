package io.runnel.broker.grpc;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.runnel.broker.auth.AuthorizationException;
import io.runnel.broker.auth.Authorizer;
import io.runnel.broker.auth.ProducerIdOwnership;
import io.runnel.broker.metadata.BrokerEndpoint;
import io.runnel.broker.metadata.ClusterView;
import io.runnel.broker.metadata.ControllerClient;
import io.runnel.broker.metrics.BrokerMetrics;
import io.runnel.broker.partition.FetchRequestParams;
import io.runnel.broker.partition.PartitionState;
import io.runnel.broker.partition.TopicPartition;
import io.runnel.broker.replica.BrokerNotReadyException;
import io.runnel.broker.replica.FetchLimits;
import io.runnel.broker.replica.FetchPartitionResult;
import io.runnel.broker.replica.PartitionConfig;
import io.runnel.broker.replica.ProduceAdmission;
import io.runnel.broker.replica.ProduceResult;
import io.runnel.broker.replica.RecordTooLargeException;
import io.runnel.broker.replica.ReplicaManager;
import io.runnel.grpc.AliasingMarshaller;
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
import io.runnel.proto.v1.FetchPartition;
import io.runnel.proto.v1.FetchPartitionResponse;
import io.runnel.proto.v1.FetchRequest;
import io.runnel.proto.v1.FetchResponse;
import io.runnel.proto.v1.FetchTopic;
import io.runnel.proto.v1.FetchTopicResponse;
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
import io.runnel.proto.v1.PartitionProduceData;
import io.runnel.proto.v1.PartitionProduceResponse;
import io.runnel.proto.v1.ProduceRequest;
import io.runnel.proto.v1.ProduceResponse;
import io.runnel.proto.v1.TopicMetadata;
import io.runnel.proto.v1.TopicProduceData;
import io.runnel.proto.v1.TopicProduceResponse;
import io.runnel.record.CorruptBatchException;
import io.runnel.security.Authentication;
import io.runnel.security.Principal;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * The client-facing Broker service: validates requests, converts between protobuf and the broker's
 * types, and leaves all the work to {@link ReplicaManager}. Whole-request faults are gRPC
 * INVALID_ARGUMENT; everything about a partition is its error code. The {@link Authorizer} is asked
 * per topic or partition entry: WRITE to produce, READ to fetch, DESCRIBE to list offsets or see a
 * topic in Metadata; refused entries get TOPIC_AUTHORIZATION_FAILED and the others go on. Producer
 * ids are derived for the principal that asks InitProducerId, and a produced batch under an id of
 * another principal is refused ({@link ProducerIdOwnership}).
 */
final class BrokerService extends BrokerGrpc.BrokerImplBase {
    private final ReplicaManager replicaManager;
    private final ClusterView cluster;
    private final Clock clock;
    private final BrokerMetrics metrics;
    /** The node's default topic settings ({@code default.*} without the prefix). */
    private final Map<String, String> topicDefaults;
    /** Runs appends that wait for an fsync, off the event loop that Produce runs on (CallExecutors). */
    private final Executor mayBlock;
    private final Authorizer authorizer;
    private final ProducerIdOwnership producerIds;
    private final AutoTopicCreation autoCreate;

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
        this.mayBlock = mayBlock;
        this.topicDefaults = Map.copyOf(topicDefaults);
        this.replicaManager = replicaManager;
        this.cluster = cluster;
        this.clock = clock;
        this.metrics = metrics;
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

    // ---------------------------------------------------------------- produce

    @Override
    public void produce(ProduceRequest request, StreamObserver<ProduceResponse> response) {
        String invalid = request.getAcks() < -1 || request.getAcks() > 1 ? "acks must be -1, 0 or 1, got " + request.getAcks()
            : request.getTimeoutMs() < 0 ? "timeout_ms must be >= 0, got " + request.getTimeoutMs()
            : request.getTopicsCount() == 0 ? "no topics to produce to" : null;
        if (invalid != null) {
            response.onError(Status.INVALID_ARGUMENT.withDescription(invalid).asRuntimeException());
            return;
        }
        String duplicated = duplicatedPartitions(request);
        if (duplicated != null) {
            // Appending one entry and acking both, or only the last, would ack what was not written.
            response.onError(Status.INVALID_ARGUMENT.withDescription(duplicated).asRuntimeException());
            return;
        }
        long started = System.nanoTime();
        Map<TopicPartition, ByteBuffer> batches = new LinkedHashMap<>();
        Map<TopicPartition, ProduceResult> early = new LinkedHashMap<>();
        long now = clock.millis();
        Optional<String> notReady = cluster.notReady();
        Principal caller = Authentication.caller();
        for (TopicProduceData topic : request.getTopicsList()) {
            for (PartitionProduceData p : topic.getPartitionsList()) {
                TopicPartition tp;
                try {
                    tp = new TopicPartition(topic.getTopic(), p.getPartition());
                } catch (IllegalArgumentException e) {
                    response.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
                    return;
                }
                try {
                    authorizer.check(caller, AclOperation.WRITE, AclResourceType.TOPIC, tp.topic());
                    if (ControllerLogic.INTERNAL_TOPICS.contains(tp.topic())) {
                        // Internal records are the brokers' own state (group coordinators'); a stray write could corrupt it.
                        throw new IllegalArgumentException(tp.topic() + " is internal: only the brokers write to it");
                    }
                    if (notReady.isPresent()) {
                        early.put(tp, ProduceResult.failed(new BrokerNotReadyException(notReady.get())));
                        continue;
                    }
                    switch (p.getDataCase()) {
                        // The leader stamps offsets into the header in place: the request was read into an
                        // array of its own (BrokerServer binds Produce with an AliasingMarshaller), so the
                        // batches are appended from there, not copied out first.
                        case RECORD_BATCHES -> {
                            if (p.getRecordBatches().isEmpty()) {
                                throw new IllegalArgumentException("partition " + tp + " carries no records: record_batches is empty");
                            }
                            batches.put(tp, AliasingMarshaller.writableView(p.getRecordBatches()));
                        }
                        case RECORDS -> {
                            if (p.getRecords().getRecordsCount() == 0) {
                                throw new IllegalArgumentException("partition " + tp + " carries no records: records is an empty list");
                            }
                            batches.put(tp, RecordConversions.toBatch(p.getRecords(), now));
                        }
                        default -> throw new IllegalArgumentException("partition " + tp + " carries no records");
                    }
                } catch (IllegalArgumentException | AuthorizationException e) {
                    early.put(tp, ProduceResult.failed(e));
                }
            }
        }
        // The producer id is checked against the caller once the batch is validated, from the
        // validated fields: the headers are read once, by validation (ProduceAdmission).
        ProduceAdmission admission = validated -> producerIds.check(caller, validated);
        CompletableFuture<Map<TopicPartition, ProduceResult>> appended = replicaManager.appendMayBlock(batches.keySet())
            ? CompletableFuture.supplyAsync(() -> replicaManager.appendRecords(request.getAcks(), request.getTimeoutMs(), batches,
                admission), mayBlock).thenCompose(f -> f)
            : replicaManager.appendRecords(request.getAcks(), request.getTimeoutMs(), batches, admission);
        appended.whenComplete((results, error) -> {
            if (error != null) {
                response.onError(Status.INTERNAL.withDescription(error.toString()).asRuntimeException());
                return;
            }
            Map<TopicPartition, ProduceResult> all = new LinkedHashMap<>(early);
            all.putAll(results);
            long bytes = 0;
            for (Map.Entry<TopicPartition, ProduceResult> e : all.entrySet()) {
                if (e.getValue().succeeded()) {
                    int appendedBytes = batches.get(e.getKey()).remaining();
                    bytes += appendedBytes;
                    metrics.topicProduced(e.getKey().topic(), appendedBytes);
                } else {
                    metrics.error("produce", ErrorCodes.of(e.getValue().error()).name());
                }
            }
            metrics.produced(bytes, System.nanoTime() - started);
            Map<String, TopicProduceResponse.Builder> byTopic = new LinkedHashMap<>();
            all.forEach((tp, r) -> {
                PartitionProduceResponse.Builder pr = PartitionProduceResponse.newBuilder().setPartition(tp.partition())
                    .setError(ErrorCodes.of(r.error())).setErrorMessage(ErrorCodes.message(r.error()))
                    .setBaseOffset(r.baseOffset()).setLogAppendTimeMs(-1).setLogStartOffset(r.logStartOffset());
                LeaderHint hint = ErrorCodes.hint(r.error());
                if (hint != null) {
                    pr.setCurrentLeader(hint);
                }
                byTopic.computeIfAbsent(tp.topic(), t -> TopicProduceResponse.newBuilder().setTopic(t)).addPartitions(pr);
            });
            ProduceResponse.Builder out = ProduceResponse.newBuilder();
            byTopic.values().forEach(out::addTopics);
            response.onNext(out.build());
            response.onCompleted();
        });
    }

    private static boolean validTopicName(String name) {
        try {
            ControllerLogic.validateTopicName(name);
            return true;
        } catch (ControllerException e) {
            return false;
        }
    }

    /**
     * The partitions a Produce names more than once (in one topic entry, or through the same topic
     * listed twice), as a message naming them; null if each is named once.
     */
    private static String duplicatedPartitions(ProduceRequest request) {
        Set<String> seen = new HashSet<>();
        Set<String> twice = new TreeSet<>();
        for (TopicProduceData topic : request.getTopicsList()) {
            for (PartitionProduceData p : topic.getPartitionsList()) {
                String name = topic.getTopic() + "-" + p.getPartition();
                if (!seen.add(name)) {
                    twice.add(name);
                }
            }
        }
        return twice.isEmpty() ? null : "partitions named more than once in one Produce: " + String.join(", ", twice)
            + "; name each partition once (one entry may carry several batches); nothing was written";
    }

    // ---------------------------------------------------------------- fetch

    /**
     * Fetch, answered through {@link SplicingMarshaller}: the response is a FetchResponse on the wire
     * whose record_batches come straight from the log files (bound in {@link BrokerServer}).
     */
    void fetchSpliced(FetchRequest request, StreamObserver<SplicedMessage> response) {
        if (request.getMaxWaitMs() < 0 || request.getMinBytes() < 0 || request.getMaxBytes() < 0) {
            response.onError(Status.INVALID_ARGUMENT.withDescription("max_wait_ms, min_bytes and max_bytes must be >= 0, got "
                + request.getMaxWaitMs() + ", " + request.getMinBytes() + ", " + request.getMaxBytes()).asRuntimeException());
            return;
        }
        Map<TopicPartition, FetchRequestParams> params = new LinkedHashMap<>();
        Map<TopicPartition, FetchPartitionResult> refused = new LinkedHashMap<>();
        Principal caller = Authentication.caller();
        for (FetchTopic topic : request.getTopicsList()) {
            for (FetchPartition p : topic.getPartitionsList()) {
                if (p.getPartition() < 0 || p.getPartitionMaxBytes() < 0) {
                    response.onError(Status.INVALID_ARGUMENT.withDescription("partition and partition_max_bytes must be >= 0 in "
                        + topic.getTopic() + ": " + p.getPartition() + ", " + p.getPartitionMaxBytes()).asRuntimeException());
                    return;
                }
                TopicPartition tp = new TopicPartition(topic.getTopic(), p.getPartition());
                if (!authorizer.allows(caller, AclOperation.READ, AclResourceType.TOPIC, tp.topic())) {
                    refused.put(tp, FetchPartitionResult.failed(
                        Authorizer.refusal(caller, AclOperation.READ, AclResourceType.TOPIC, tp.topic())));
                    continue;
                }
                // 0 is "no limit of the partition's own", as max_bytes 0 is: the response's budget applies.
                int partitionMaxBytes = p.getPartitionMaxBytes() == 0 ? Integer.MAX_VALUE : p.getPartitionMaxBytes();
                params.put(tp, new FetchRequestParams(
                    FetchRequestParams.CONSUMER, p.getFetchOffset(), p.getCurrentLeaderEpoch(), -1, partitionMaxBytes));
            }
        }
        // 0 means "the broker's limit"; any value is capped by fetch.max.bytes (ReplicaManager.fetch).
        FetchLimits limits = replicaManager.fetchLimits();
        int maxBytes = request.getMaxBytes() == 0 ? limits.maxBytes() : Math.min(request.getMaxBytes(), limits.maxBytes());
        long started = System.nanoTime();
        Optional<String> notReady = cluster.notReady();
        CompletableFuture<Map<TopicPartition, FetchPartitionResult>> fetched;
        if (notReady.isPresent()) {
            params.keySet().forEach(tp -> refused.put(tp, FetchPartitionResult.failed(new BrokerNotReadyException(notReady.get()))));
            fetched = CompletableFuture.completedFuture(Map.of());
        } else if (params.isEmpty()) {
            fetched = CompletableFuture.completedFuture(Map.of()); // nothing the caller may read: no long poll
        } else {
            fetched = replicaManager.fetch(request.getMaxWaitMs(), request.getMinBytes(), maxBytes, params);
        }
        fetched.whenComplete((results, error) -> {
            if (error != null) {
                response.onError(Status.INTERNAL.withDescription(error.toString()).asRuntimeException());
                return;
            }
            Map<String, SplicedMessage> byTopic = new LinkedHashMap<>();
            long bytes = 0;
            long converted = 0;
            Map<TopicPartition, FetchPartitionResult> all = results;
            if (!refused.isEmpty()) {
                all = new LinkedHashMap<>(refused);
                all.putAll(results);
            }
            for (Map.Entry<TopicPartition, FetchPartitionResult> e : all.entrySet()) {
                TopicPartition tp = e.getKey();
                FetchPartitionResult r = e.getValue();
                Throwable failure = r.error();
                boolean asMessages = request.getRecordsAsMessages() && r.records().size() > 0;
                RecordConversions.Converted messages = null;
                if (asMessages) {
                    try {
                        // Decompressed within limits: a batch past the per-batch cap is refused, and the
                        // messages of the whole response stay within its byte budget.
                        messages = RecordConversions.toMessages(r.records().toByteBuffer(), params.get(tp).fetchOffset(),
                            limits.maxConvertedBatchBytes(), maxBytes - converted, converted == 0);
                        converted += messages.bytes();
                    } catch (CorruptBatchException.DecompressedTooLargeException tooLarge) {
                        failure = new RecordTooLargeException("The batch at offset " + params.get(tp).fetchOffset()
                            + " of " + tp + " expands past " + tooLarge.limit() + " bytes when decompressed, the limit of "
                            + FetchLimits.MAX_CONVERTED_BATCH_BYTES + " for records_as_messages; fetch it as "
                            + "record_batches and decompress it in the client");
                    } catch (CorruptBatchException corrupt) {
                        failure = corrupt;
                    }
                }
                bytes += failure == null ? r.records().size() : 0;
                if (failure == null && r.records().size() > 0) {
                    metrics.topicFetched(tp.topic(), r.records().size());
                }
                if (failure != null) {
                    metrics.error("fetch", ErrorCodes.of(failure).name());
                }
                FetchPartitionResponse.Builder pr = FetchPartitionResponse.newBuilder().setPartition(tp.partition())
                    .setError(ErrorCodes.of(failure)).setErrorMessage(ErrorCodes.message(failure))
                    .setHighWatermark(r.highWatermark()).setLogStartOffset(r.logStartOffset());
                LeaderHint hint = ErrorCodes.hint(failure);
                if (hint != null) {
                    pr.setCurrentLeader(hint);
                }
                if (messages != null) {
                    pr.setRecords(messages.records());
                }
                SplicedMessage partition = SplicedMessage.of(pr.build());
                if (!asMessages && failure == null) {
                    partition.add(FetchPartitionResponse.RECORD_BATCHES_FIELD_NUMBER, r.records());
                }
                byTopic.computeIfAbsent(tp.topic(), t -> SplicedMessage.of(FetchTopicResponse.newBuilder().setTopic(t).build()))
                    .add(FetchTopicResponse.PARTITIONS_FIELD_NUMBER, partition);
            }
            metrics.fetched(bytes, System.nanoTime() - started);
            SplicedMessage out = SplicedMessage.of(FetchResponse.getDefaultInstance());
            byTopic.values().forEach(topic -> out.add(FetchResponse.TOPICS_FIELD_NUMBER, topic));
            response.onNext(out);
            response.onCompleted();
        });
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
