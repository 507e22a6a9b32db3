package io.runnel.broker.stream;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.runnel.broker.auth.Authorizer;
import io.runnel.broker.auth.ProducerIdOwnership;
import io.runnel.proto.v1.PublishRequest;
import io.runnel.proto.v1.PublishResponse;
import io.runnel.proto.v1.StreamGrpc;
import io.runnel.proto.v1.SubscribeRequest;
import io.runnel.proto.v1.SubscribeResponse;
import io.runnel.security.Authentication;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The Stream service (stream.proto): each call gets a session that works through
 * {@link ClusterChannels}, as the broker, checking their caller's ACLs themselves ({@link StreamAccess}).
 * Sessions never block a thread: every call they make is asynchronous and
 * their waits are timers, so the gRPC threads that deliver stream messages are never held.
 */
public final class StreamService extends StreamGrpc.StreamImplBase implements AutoCloseable {
    private final ClusterChannels channels;
    private final Clock clock;
    /** Retry and heartbeat timers of all sessions; their work is short (it only starts calls). */
    private final ScheduledExecutorService timers;
    private final Set<StreamSession> open = ConcurrentHashMap.newKeySet();
    private final Authorizer authorizer;
    private final ProducerIdOwnership producerIds;

    /**
     * @param authorizer  checks each stream's caller against the ACLs (see {@link StreamAccess})
     * @param producerIds derives the producer ids of Publish streams for their callers
     */
    public StreamService(ClusterChannels channels, Clock clock, Authorizer authorizer, ProducerIdOwnership producerIds) {
        this.channels = channels;
        this.authorizer = authorizer;
        this.producerIds = producerIds;
        this.clock = clock;
        this.timers = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "stream-timers");
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public StreamObserver<PublishRequest> publish(StreamObserver<PublishResponse> responses) {
        return new PublishSession((ServerCallStreamObserver<PublishResponse>) responses, channels, timers, clock, open, access());
    }

    @Override
    public StreamObserver<SubscribeRequest> subscribe(StreamObserver<SubscribeResponse> responses) {
        return new SubscribeSession((ServerCallStreamObserver<SubscribeResponse>) responses, channels, timers, open, access());
    }

    /** The caller of the call being started (the gRPC context's principal) and its checks. */
    private StreamAccess access() {
        return new StreamAccess(Authentication.caller(), authorizer, producerIds);
    }

    /**
     * Ends the open streams with UNAVAILABLE (so the listener's shutdown need not wait for them),
     * stops the timers and closes the channels.
     */
    @Override
    public void close() {
        List.copyOf(open).forEach(StreamSession::shutdown);
        timers.shutdownNow();
        channels.close();
    }
}
