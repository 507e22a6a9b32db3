package io.runnel.broker.grpc;

import io.grpc.CallOptions;
import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.runnel.broker.partition.TopicPartition;
import io.runnel.broker.replication.LeaderEndpoint;
import io.runnel.grpc.AliasingMarshaller;
import io.runnel.log.EpochEndOffset;
import io.runnel.proto.v1.ReplicaFetchPartition;
import io.runnel.proto.v1.ReplicaFetchPartitionData;
import io.runnel.proto.v1.ReplicaFetchRequest;
import io.runnel.proto.v1.ReplicaFetchResponse;
import io.runnel.proto.v1.ReplicationGrpc;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A follower's gRPC connection to one leader broker's Replication service. */
public final class GrpcLeaderEndpoint implements LeaderEndpoint {
    /** ReplicaFetch, with the record batches of an answer pointing into the one array it was read into. */
    private static final MethodDescriptor<ReplicaFetchRequest, ReplicaFetchResponse> REPLICA_FETCH =
        AliasingMarshaller.responsesAliased(ReplicationGrpc.getReplicaFetchMethod(), ReplicaFetchResponse.getDefaultInstance());

    private final ManagedChannel channel;
    private final long requestTimeoutMs;

    /** A plaintext connection. @param requestTimeoutMs added to each call's max wait as its deadline */
    public GrpcLeaderEndpoint(String host, int port, long requestTimeoutMs) {
        this(host, port, InsecureChannelCredentials.create(), requestTimeoutMs);
    }

    /**
     * @param credentials      plaintext, or TLS with this node's certificate (the leader's internal
     *                         listener checks that the fetch's replica_id is this node)
     * @param requestTimeoutMs added to each call's max wait as its deadline
     */
    public GrpcLeaderEndpoint(String host, int port, ChannelCredentials credentials, long requestTimeoutMs) {
        this.channel = NettyChannelBuilder.forAddress(host, port, credentials)
            .maxInboundMessageSize(Integer.MAX_VALUE).flowControlWindow(BrokerServer.FLOW_CONTROL_WINDOW).build();
        this.requestTimeoutMs = requestTimeoutMs;
    }

    @Override
    public List<PartitionData> fetch(int replicaId, int maxWaitMs, int minBytes, List<PartitionFetch> partitions) {
        ReplicaFetchRequest.Builder request = ReplicaFetchRequest.newBuilder()
            .setReplicaId(replicaId).setMaxWaitMs(maxWaitMs).setMinBytes(minBytes);
        for (PartitionFetch p : partitions) {
            request.addPartitions(ReplicaFetchPartition.newBuilder().setTopic(p.tp().topic()).setPartition(p.tp().partition())
                .setFetchOffset(p.fetchOffset()).setCurrentLeaderEpoch(p.currentLeaderEpoch())
                .setLastFetchedEpoch(p.lastFetchedEpoch()).setMaxBytes(p.maxBytes()));
        }
        ReplicaFetchResponse response = ClientCalls.blockingUnaryCall(channel, REPLICA_FETCH,
            CallOptions.DEFAULT.withDeadlineAfter(maxWaitMs + requestTimeoutMs, TimeUnit.MILLISECONDS), request.build());
        List<PartitionData> out = new ArrayList<>(response.getPartitionsCount());
        for (ReplicaFetchPartitionData d : response.getPartitionsList()) {
            ByteBuffer records = d.getRecordBatches().isEmpty() ? ByteBuffer.allocate(0) : d.getRecordBatches().asReadOnlyByteBuffer().slice();
            EpochEndOffset diverging = d.hasDivergingEpoch()
                ? new EpochEndOffset(d.getDivergingEpoch().getEpoch(), d.getDivergingEpoch().getEndOffset()) : null;
            out.add(new PartitionData(new TopicPartition(d.getTopic(), d.getPartition()), d.getError(), d.getErrorMessage(),
                d.getHighWatermark(), d.getLogStartOffset(), d.getLogEndOffset(), diverging, records));
        }
        return out;
    }

    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
