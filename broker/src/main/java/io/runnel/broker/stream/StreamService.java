package io.runnel.broker.stream;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.runnel.proto.v1.PublishRequest;
import io.runnel.proto.v1.PublishResponse;
import io.runnel.proto.v1.StreamGrpc;
import io.runnel.proto.v1.SubscribeRequest;
import io.runnel.proto.v1.SubscribeResponse;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The Stream service (stream.proto): each call gets a session that works through
 * {@link ClusterChannels}. Sessions never block a thread: every call they make is asynchronous and
 * their waits are timers, so the gRPC threads that deliver stream messages are never held.
 */
public final class StreamService extends StreamGrpc.StreamImplBase implements AutoCloseable {
    private final ClusterChannels channels;
    private final Clock clock;
    /** Retry and heartbeat timers of all sessions; their work is short (it only starts calls). */
    private final ScheduledExecutorService timers;
    private final Set<StreamSession> open = ConcurrentHashMap.newKeySet();

    public StreamService(ClusterChannels channels, Clock clock) {
        this.channels = channels;
        this.clock = clock;
        this.timers = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "stream-timers");
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public StreamObserver<PublishRequest> publish(StreamObserver<PublishResponse> responses) {
        return new PublishSession((ServerCallStreamObserver<PublishResponse>) responses, channels, timers, clock, open);
    }

    @Override
    public StreamObserver<SubscribeRequest> subscribe(StreamObserver<SubscribeResponse> responses) {
        return new SubscribeSession((ServerCallStreamObserver<SubscribeResponse>) responses, channels, timers, open);
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
