package io.runnel.broker.grpc;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.runnel.broker.auth.Authorizer;
import io.runnel.broker.metadata.ClusterView;
import io.runnel.broker.metrics.BrokerMetrics;
import io.runnel.broker.partition.FetchRequestParams;
import io.runnel.broker.partition.TopicPartition;
import io.runnel.broker.replica.BrokerNotReadyException;
import io.runnel.broker.replica.FetchLimits;
import io.runnel.broker.replica.FetchPartitionResult;
import io.runnel.broker.replica.RecordTooLargeException;
import io.runnel.broker.replica.ReplicaManager;
import io.runnel.proto.v1.AclOperation;
import io.runnel.proto.v1.AclResourceType;
import io.runnel.proto.v1.FetchPartition;
import io.runnel.proto.v1.FetchPartitionResponse;
import io.runnel.proto.v1.FetchRequest;
import io.runnel.proto.v1.FetchResponse;
import io.runnel.proto.v1.FetchTopic;
import io.runnel.proto.v1.FetchTopicResponse;
import io.runnel.proto.v1.LeaderHint;
import io.runnel.record.CorruptBatchException;
import io.runnel.security.Authentication;
import io.runnel.security.Principal;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The Broker service's Fetch and FetchStream calls (split out of {@link BrokerService}; bound in
 * {@link BrokerServer}): READ on the topic is asked per partition entry, refused entries get
 * TOPIC_AUTHORIZATION_FAILED and the others go on. Runs on the event loop that read the call; a
 * long poll is answered by whichever thread's progress completes it.
 */
final class FetchCalls {
    private final ReplicaManager replicaManager;
    private final ClusterView cluster;
    private final BrokerMetrics metrics;
    private final Authorizer authorizer;

    FetchCalls(ReplicaManager replicaManager, ClusterView cluster, BrokerMetrics metrics, Authorizer authorizer) {
        this.replicaManager = replicaManager;
        this.cluster = cluster;
        this.metrics = metrics;
        this.authorizer = authorizer;
    }

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
}
