package io.runnel.broker.grpc;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.runnel.broker.partition.FetchRequestParams;
import io.runnel.broker.partition.TopicPartition;
import io.runnel.broker.replica.FetchPartitionResult;
import io.runnel.broker.replica.ReplicaManager;
import io.runnel.proto.v1.DivergingEpoch;
import io.runnel.proto.v1.ReplicaFetchPartition;
import io.runnel.proto.v1.ReplicaFetchPartitionData;
import io.runnel.proto.v1.ReplicaFetchRequest;
import io.runnel.proto.v1.ReplicaFetchResponse;
import io.runnel.proto.v1.ReplicationGrpc;
import io.runnel.security.ClusterAccess;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.IntPredicate;

/**
 * The leader's side of replication: a thin adapter from ReplicaFetch to {@link ReplicaManager#fetch}.
 * Served on the internal listener only. A {@code replica_id} that is not a registered broker is
 * refused (PERMISSION_DENIED); one that is not a replica of a partition gets that partition's
 * NOT_REPLICA error from {@code Partition}, and moves nothing. With TLS, the {@code replica_id}
 * must also be the calling broker's own node id (from its certificate): PERMISSION_DENIED otherwise,
 * so no caller can move another follower's position, and with it the high watermark and the ISR.
 */
final class ReplicationService extends ReplicationGrpc.ReplicationImplBase {
    private final ReplicaManager replicaManager;
    private final IntPredicate registeredBroker;
    private final ClusterAccess access;

    ReplicationService(ReplicaManager replicaManager, IntPredicate registeredBroker, ClusterAccess access) {
        this.replicaManager = replicaManager;
        this.registeredBroker = registeredBroker;
        this.access = access;
    }

    /**
     * ReplicaFetch, answered through {@link SplicingMarshaller}: a ReplicaFetchResponse on the wire
     * whose record_batches come straight from the log files (bound in {@link InternalServer}).
     */
    /**
     * ReplicaFetchStream: every request served as {@link #replicaFetchSpliced} serves one, answered
     * on the stream (bound in {@link InternalServer}).
     */
    StreamObserver<ReplicaFetchRequest> replicaFetchStreamSpliced(StreamObserver<SplicedMessage> responses) {
        return InOrderFetchStream.open(responses, this::replicaFetchSpliced);
    }

    void replicaFetchSpliced(ReplicaFetchRequest request, StreamObserver<SplicedMessage> response) {
        if (request.getReplicaId() < 0 || request.getMaxWaitMs() < 0 || request.getMinBytes() < 0) {
            response.onError(Status.INVALID_ARGUMENT.withDescription("replica_id, max_wait_ms and min_bytes must be >= 0, got "
                + request.getReplicaId() + ", " + request.getMaxWaitMs() + ", " + request.getMinBytes()).asRuntimeException());
            return;
        }
        if (access.refuses(request.getReplicaId(), "replica_id", response)) {
            return;
        }
        if (!registeredBroker.test(request.getReplicaId())) {
            response.onError(Status.PERMISSION_DENIED.withDescription("replica_id " + request.getReplicaId()
                + " is not a registered broker").asRuntimeException());
            return;
        }
        Map<TopicPartition, FetchRequestParams> params = new LinkedHashMap<>();
        for (ReplicaFetchPartition p : request.getPartitionsList()) {
            if (p.getPartition() < 0 || p.getMaxBytes() < 0 || p.getTopic().isEmpty()) {
                response.onError(Status.INVALID_ARGUMENT.withDescription("bad partition entry: topic '" + p.getTopic()
                    + "', partition " + p.getPartition() + ", max_bytes " + p.getMaxBytes()).asRuntimeException());
                return;
            }
            params.put(new TopicPartition(p.getTopic(), p.getPartition()), new FetchRequestParams(request.getReplicaId(),
                p.getFetchOffset(), p.getCurrentLeaderEpoch(), p.getLastFetchedEpoch(), p.getMaxBytes()));
        }
        replicaManager.fetch(request.getMaxWaitMs(), request.getMinBytes(), Integer.MAX_VALUE, params)
            .whenComplete((results, error) -> {
                if (error != null) {
                    response.onError(Status.INTERNAL.withDescription(error.toString()).asRuntimeException());
                    return;
                }
                SplicedMessage out = SplicedMessage.of(ReplicaFetchResponse.getDefaultInstance());
                for (Map.Entry<TopicPartition, FetchPartitionResult> e : results.entrySet()) {
                    FetchPartitionResult r = e.getValue();
                    ReplicaFetchPartitionData.Builder data = ReplicaFetchPartitionData.newBuilder()
                        .setTopic(e.getKey().topic()).setPartition(e.getKey().partition())
                        .setError(ErrorCodes.of(r.error())).setErrorMessage(ErrorCodes.message(r.error()))
                        .setHighWatermark(r.highWatermark()).setLogStartOffset(r.logStartOffset())
                        .setLogEndOffset(r.logEndOffset());
                    if (r.divergingEpoch() != null) {
                        data.setDivergingEpoch(DivergingEpoch.newBuilder().setEpoch(r.divergingEpoch().epoch())
                            .setEndOffset(r.divergingEpoch().endOffset()));
                    }
                    out.add(ReplicaFetchResponse.PARTITIONS_FIELD_NUMBER, SplicedMessage.of(data.build())
                        .add(ReplicaFetchPartitionData.RECORD_BATCHES_FIELD_NUMBER, r.records()));
                }
                response.onNext(out);
                response.onCompleted();
            });
    }
}
