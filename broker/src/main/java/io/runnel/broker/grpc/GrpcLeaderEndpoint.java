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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A follower's gRPC connection to one leader broker's Replication service: its fetches go over one
 * long-lived ReplicaFetchStream (one request, then its answer), opened on first use and again after
 * a failure, so a fetch costs no call set-up, deadline timer or headers. Used by one fetcher, which
 * gets each answer on the event loop that read it and sends its next fetch from there.
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
        // Answers are handed to the fetcher on the event loop that read them (directExecutor);
        // a fetch is never retried by gRPC: the fetcher fetches again from what it has.
        this.channel = NettyChannelBuilder.forAddress(host, port, credentials).directExecutor().disableRetry()
            .maxInboundMessageSize(Integer.MAX_VALUE).flowControlWindow(BrokerServer.FLOW_CONTROL_WINDOW).build();
        this.requestTimeoutMs = requestTimeoutMs;
    }

    @Override
    public synchronized void fetch(int replicaId, int maxWaitMs, int minBytes, List<PartitionFetch> partitions, Answer answer) {
        ReplicaFetchRequest.Builder request = ReplicaFetchRequest.newBuilder()
            .setReplicaId(replicaId).setMaxWaitMs(maxWaitMs).setMinBytes(minBytes);
        for (PartitionFetch p : partitions) {
            request.addPartitions(ReplicaFetchPartition.newBuilder().setTopic(p.tp().topic()).setPartition(p.tp().partition())
                .setFetchOffset(p.fetchOffset()).setCurrentLeaderEpoch(p.currentLeaderEpoch())
                .setLastFetchedEpoch(p.lastFetchedEpoch()).setMaxBytes(p.maxBytes()));
        }
        if (stream == null || stream.ended()) {
            stream = new FetchStream(channel.newCall(REPLICA_FETCH_STREAM, CallOptions.DEFAULT));
        }
        stream.fetch(request.build(), answer, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(maxWaitMs + requestTimeoutMs),
            maxWaitMs + requestTimeoutMs);
    }

    @Override
    public synchronized void expireOverdue() {
        if (stream != null) {
            stream.expireOverdue(System.nanoTime());
        }
    }

    /** The records of an answer, as the fetcher takes them. */
    private static List<PartitionData> partitions(ReplicaFetchResponse response) {
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

    /**
     * One open stream: one request at a time, its answer (or the stream's end) handed to the
     * request's {@link Answer} on the event loop that read it. Once it ended or a fetch expired it
     * is not used again: the next fetch opens a new stream.
     */
    private static final class FetchStream extends ClientCall.Listener<ReplicaFetchResponse> {
        private final ClientCall<ReplicaFetchRequest, ReplicaFetchResponse> call;
        /** Guarded by this: the fetch in flight's answer, its deadline and timeout; whether the stream ended. */
        private Answer pending;
        private long deadlineNanos;
        private long timeoutMs;
        private boolean ended;

        FetchStream(ClientCall<ReplicaFetchRequest, ReplicaFetchResponse> call) {
            this.call = call;
            call.start(this, new Metadata());
        }

        synchronized boolean ended() {
            return ended;
        }

        void fetch(ReplicaFetchRequest request, Answer answer, long deadlineNanos, long timeoutMs) {
            synchronized (this) {
                if (pending != null) {
                    throw new IllegalStateException("a replica fetch is already in flight on this stream");
                }
                pending = answer;
                this.deadlineNanos = deadlineNanos;
                this.timeoutMs = timeoutMs;
            }
            try {
                call.sendMessage(request);
                call.request(1);
            } catch (RuntimeException e) { // the call already ended: onClose answers, or we do
                fail(e instanceof StatusRuntimeException s ? s : Status.UNAVAILABLE.withCause(e).asRuntimeException());
            }
        }

        void expireOverdue(long nowNanos) {
            long waited;
            synchronized (this) {
                if (pending == null || nowNanos - deadlineNanos < 0) {
                    return;
                }
                waited = timeoutMs;
            }
            String why = "leader did not answer a replica fetch within " + waited + " ms";
            fail(new TimeoutException(why));
            call.cancel(why, null);
        }

        /** Ends the stream for good and fails the fetch in flight, if any. */
        private void fail(Exception e) {
            Answer answer;
            synchronized (this) {
                ended = true;
                answer = pending;
                pending = null;
            }
            if (answer != null) {
                answer.onFailure(e);
            }
        }

        @Override
        public void onMessage(ReplicaFetchResponse message) {
            Answer answer;
            synchronized (this) {
                answer = pending;
                pending = null;
            }
            if (answer != null) { // null: expired meanwhile, and already failed
                answer.onAnswer(partitions(message));
            }
        }

        @Override
        public void onClose(Status status, Metadata trailers) {
            fail((status.isOk() ? Status.UNAVAILABLE.withDescription("the leader ended the replica fetch stream") : status)
                .asRuntimeException());
        }
    }
}
