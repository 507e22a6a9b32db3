package io.runnel.broker.grpc;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.runnel.broker.auth.AuthorizationException;
import io.runnel.broker.auth.Authorizer;
import io.runnel.broker.auth.ProducerIdOwnership;
import io.runnel.broker.metadata.ClusterView;
import io.runnel.broker.metrics.BrokerMetrics;
import io.runnel.broker.partition.TopicPartition;
import io.runnel.broker.replica.BrokerNotReadyException;
import io.runnel.broker.replica.ProduceAdmission;
import io.runnel.broker.replica.ProduceResult;
import io.runnel.broker.replica.ReplicaManager;
import io.runnel.grpc.AliasingMarshaller;
import io.runnel.metadata.controller.ControllerLogic;
import io.runnel.proto.v1.AclOperation;
import io.runnel.proto.v1.AclResourceType;
import io.runnel.proto.v1.LeaderHint;
import io.runnel.proto.v1.PartitionProduceData;
import io.runnel.proto.v1.PartitionProduceResponse;
import io.runnel.proto.v1.ProduceRequest;
import io.runnel.proto.v1.ProduceResponse;
import io.runnel.proto.v1.TopicProduceData;
import io.runnel.proto.v1.TopicProduceResponse;
import io.runnel.security.Authentication;
import io.runnel.security.Principal;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * The Broker service's Produce calls (split out of {@link BrokerService}, which binds them): a
 * whole-request fault is INVALID_ARGUMENT, everything about a partition is its error code. WRITE
 * on the topic is asked per partition entry, and a produced batch under another principal's
 * producer id is refused ({@link ProducerIdOwnership}). Runs on the event loop that read the call;
 * appends that wait for an fsync ({@code flush.policy=sync}) go to {@code mayBlock}.
 */
final class ProduceCalls {
    private final ReplicaManager replicaManager;
    private final ClusterView cluster;
    private final Clock clock;
    private final BrokerMetrics metrics;
    /** Runs appends that wait for an fsync, off the event loop that Produce runs on (CallExecutors). */
    private final Executor mayBlock;
    private final Authorizer authorizer;
    private final ProducerIdOwnership producerIds;

    ProduceCalls(ReplicaManager replicaManager, ClusterView cluster, Clock clock, BrokerMetrics metrics, Executor mayBlock,
                 Authorizer authorizer, ProducerIdOwnership producerIds) {
        this.replicaManager = replicaManager;
        this.cluster = cluster;
        this.clock = clock;
        this.metrics = metrics;
        this.mayBlock = mayBlock;
        this.authorizer = authorizer;
        this.producerIds = producerIds;
    }

    /** Produce: validates the request, appends (or hands an append that waits for an fsync to {@code mayBlock}), answers per partition. */
    void produce(ProduceRequest request, StreamObserver<ProduceResponse> response) {
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
}
