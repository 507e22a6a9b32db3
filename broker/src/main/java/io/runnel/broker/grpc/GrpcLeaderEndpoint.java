package io.runnel.broker.grpc;

import io.grpc.CallOptions;
import io.grpc.ChannelCredentials;
import io.grpc.ClientCall;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
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
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A follower's gRPC connection to one leader broker's Replication service: its fetches go over one
 * long-lived ReplicaFetchStream (one request, then its answer), opened on first use and again after
 * a failure, so a fetch costs no call set-up, deadline timer or headers. Used by one fetcher thread.
 */
public final class GrpcLeaderEndpoint implements LeaderEndpoint {
    /** ReplicaFetchStream, with the record batches of an answer pointing into the one array it was read into. */
    private static final MethodDescriptor<ReplicaFetchRequest, ReplicaFetchResponse> REPLICA_FETCH_STREAM =
        AliasingMarshaller.responsesAliased(ReplicationGrpc.getReplicaFetchStreamMethod(), ReplicaFetchResponse.getDefaultInstance());

    private final ManagedChannel channel;
    private final long requestTimeoutMs;
    private FetchStream stream;

    /** A plaintext connection. @param requestTimeoutMs how much longer than its max wait a fetch waits for its answer */
    public GrpcLeaderEndpoint(String host, int port, long requestTimeoutMs) {
        this(host, port, InsecureChannelCredentials.create(), requestTimeoutMs);
    }

    /**
     * @param credentials      plaintext, or TLS with this node's certificate (the leader's internal
     *                         listener checks that the fetch's replica_id is this node)
     * @param requestTimeoutMs how much longer than its max wait a fetch waits for its answer
     */
    public GrpcLeaderEndpoint(String host, int port, ChannelCredentials credentials, long requestTimeoutMs) {
        // Answers are handed to the fetcher thread from the event loop that read them (directExecutor);
        // a fetch is never retried by gRPC: the fetcher fetches again from what it has.
        this.channel = NettyChannelBuilder.forAddress(host, port, credentials).directExecutor().disableRetry()
            .maxInboundMessageSize(Integer.MAX_VALUE).flowControlWindow(BrokerServer.FLOW_CONTROL_WINDOW).build();
        this.requestTimeoutMs = requestTimeoutMs;
    }

    /**
     * @throws StatusRuntimeException if the leader failed the fetch or the stream (the next fetch opens a new one)
     * @throws TimeoutException       if no answer came within max wait plus the request timeout (the stream is cancelled)
     */
    @Override
    public synchronized List<PartitionData> fetch(int replicaId, int maxWaitMs, int minBytes, List<PartitionFetch> partitions)
        throws TimeoutException, InterruptedException {
        ReplicaFetchRequest.Builder request = ReplicaFetchRequest.newBuilder()
            .setReplicaId(replicaId).setMaxWaitMs(maxWaitMs).setMinBytes(minBytes);
        for (PartitionFetch p : partitions) {
            request.addPartitions(ReplicaFetchPartition.newBuilder().setTopic(p.tp().topic()).setPartition(p.tp().partition())
                .setFetchOffset(p.fetchOffset()).setCurrentLeaderEpoch(p.currentLeaderEpoch())
                .setLastFetchedEpoch(p.lastFetchedEpoch()).setMaxBytes(p.maxBytes()));
        }
        if (stream == null) {
            stream = new FetchStream(channel.newCall(REPLICA_FETCH_STREAM, CallOptions.DEFAULT));
        }
        FetchStream current = stream;
        ReplicaFetchResponse response;
        try {
            response = current.fetch(request.build(), maxWaitMs + requestTimeoutMs);
        } catch (RuntimeException | TimeoutException | InterruptedException e) {
            stream = null;
            throw e;
        }
        List<PartitionData> out = new ArrayList<>(response.getPartitionsCount());
        for (ReplicaFetchPartitionData d : response.getPartitionsList()) {
            // A view of the array the answer was read into (nothing else holds it), not a read-only
            // one: CRC32C reads an array directly but copies a read-only buffer out in 4 KiB pieces.
            ByteBuffer records = d.getRecordBatches().isEmpty() ? ByteBuffer.allocate(0) : AliasingMarshaller.writableView(d.getRecordBatches());
            EpochEndOffset diverging = d.hasDivergingEpoch()
                ? new EpochEndOffset(d.getDivergingEpoch().getEpoch(), d.getDivergingEpoch().getEndOffset()) : null;
            out.add(new PartitionData(new TopicPartition(d.getTopic(), d.getPartition()), d.getError(), d.getErrorMessage(),
                d.getHighWatermark(), d.getLogStartOffset(), d.getLogEndOffset(), diverging, records));
        }
        return out;
    }

    /** Ends the stream at once (a fetch waiting on it fails), not after the fetch in flight. */
    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One open stream: requests go out one at a time, and answers (or its end) come back through a queue. */
    private static final class FetchStream extends ClientCall.Listener<ReplicaFetchResponse> {
        /** An answer, or the status the stream ended with. */
        private record Arrival(ReplicaFetchResponse response, Status closed) {
        }

        private final ClientCall<ReplicaFetchRequest, ReplicaFetchResponse> call;
        private final BlockingQueue<Arrival> arrivals = new LinkedBlockingQueue<>();

        FetchStream(ClientCall<ReplicaFetchRequest, ReplicaFetchResponse> call) {
            this.call = call;
            call.start(this, new Metadata());
        }

        ReplicaFetchResponse fetch(ReplicaFetchRequest request, long timeoutMs) throws TimeoutException, InterruptedException {
            call.sendMessage(request);
            call.request(1);
            Arrival arrival;
            try {
                arrival = arrivals.poll(timeoutMs, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                cancel("fetcher interrupted");
                throw e;
            }
            if (arrival == null) {
                cancel("no answer within " + timeoutMs + " ms");
                throw new TimeoutException("leader did not answer a replica fetch within " + timeoutMs + " ms");
            }
            if (arrival.closed() != null) {
                throw arrival.closed().asRuntimeException();
            }
            return arrival.response();
        }

        void cancel(String why) {
            call.cancel(why, null);
        }

        @Override
        public void onMessage(ReplicaFetchResponse message) {
            arrivals.add(new Arrival(message, null));
        }

        @Override
        public void onClose(Status status, Metadata trailers) {
            arrivals.add(new Arrival(null, status.isOk()
                ? Status.UNAVAILABLE.withDescription("the leader ended the replica fetch stream") : status));
        }
    }
}
