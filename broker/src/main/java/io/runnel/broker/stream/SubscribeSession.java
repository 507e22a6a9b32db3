package io.runnel.broker.stream;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.runnel.proto.v1.SubscribeOpen;
import io.runnel.proto.v1.SubscribeRequest;
import io.runnel.proto.v1.SubscribeResponse;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;

/**
 * One Subscribe stream (stream.proto): a consumer-group member run by the broker for its client.
 * This class takes the client's messages and ends the stream; the work is done by two parts:
 * {@link SubscribeMembership} heartbeats to the group's coordinator, reconciles the assignment, locates
 * new partitions and commits the client's acknowledged offsets every heartbeat;
 * {@link SubscribeDelivery} fetches assigned partitions from their leaders and pushes records while
 * the client has credit ({@code max_unacked}) and the transport is ready.
 *
 * <p>Thread-safety: one lock, this session. gRPC callbacks lock it here; the parts are handed it
 * as their lock, and the answers of the calls they make and their timers lock it too.
 */
final class SubscribeSession implements StreamSession, StreamObserver<SubscribeRequest> {
    private final ServerCallStreamObserver<SubscribeResponse> out;
    private final ClusterChannels channels;
    private final ScheduledExecutorService timers;
    private final StreamAccess access;
    /** Guarded by this, as are its contents. */
    private final SubscribeDelivery delivery;

    // Guarded by this.
    /** The group membership; null until the client's `open`. */
    private SubscribeMembership member;

    SubscribeSession(ServerCallStreamObserver<SubscribeResponse> out, ClusterChannels channels, ScheduledExecutorService timers,
                     Set<StreamSession> sessions, StreamAccess access) {
        this.out = out;
        this.access = access;
        sessions.add(this);
        out.setOnCloseHandler(() -> sessions.remove(this));
        this.channels = channels;
        this.timers = timers;
        this.delivery = new SubscribeDelivery(this, out, new LeaderCalls(channels, access), timers);
        out.setOnReadyHandler(delivery::deliver);
        out.setOnCancelHandler(() -> {
            sessions.remove(this);
            leave(false);
        });
    }

    // ---------------------------------------------------------------- client messages

    @Override
    public synchronized void onNext(SubscribeRequest request) {
        if (delivery.ended()) {
            return;
        }
        switch (request.getKindCase()) {
            case OPEN -> {
                if (member != null) {
                    fail("`open` was already sent on this stream");
                    return;
                }
                SubscribeOpen o = request.getOpen();
                String invalid = o.getGroupId().isEmpty() ? "group_id is empty"
                    : o.getTopicsCount() == 0 ? "topics is empty: name at least one topic"
                    : o.getTopicsList().stream().anyMatch(String::isEmpty) ? "a topic name is empty"
                    : o.getMaxUnacked() < 0 ? "max_unacked must be >= 0, got " + o.getMaxUnacked()
                    : o.getSessionTimeoutMs() < 0 ? "session_timeout_ms must be >= 0, got " + o.getSessionTimeoutMs() : null;
                if (invalid != null) {
                    fail(invalid);
                    return;
                }
                Status refused = access.refusedSubscribe(o.getGroupId(), o.getTopicsList());
                if (refused != null) {
                    end(refused);
                    return;
                }
                member = new SubscribeMembership(this, o, channels, timers, delivery, this::fail);
                delivery.open(o);
                member.heartbeat();
            }
            case ACK -> {
                if (member == null) {
                    fail("send `open` first");
                    return;
                }
                delivery.acked(request.getAck());
            }
            default -> fail("a SubscribeRequest needs `open` or `ack`");
        }
    }

    @Override
    public synchronized void onCompleted() {
        leave(true);
    }

    @Override
    public synchronized void onError(Throwable t) {
        leave(false);
    }

    private void fail(String why) {
        end(Status.INVALID_ARGUMENT.withDescription(why));
    }

    /** Ends the stream with an error; the member leaves without committing (acks may be lost with the stream anyway). */
    private void end(Status status) {
        if (delivery.ended()) {
            return;
        }
        delivery.end();
        if (member != null) {
            member.stopHeartbeats();
        }
        out.onError(status.asRuntimeException());
        if (member != null) {
            member.leaveGroup();
        }
    }

    @Override
    public synchronized void shutdown() {
        end(Status.UNAVAILABLE.withDescription("the broker is shutting down; reconnect to another broker"));
    }

    /** The client is done (or gone): commit what it acknowledged, leave the group, end the stream. */
    private synchronized void leave(boolean answer) {
        if (delivery.ended()) {
            return;
        }
        delivery.end();
        if (member != null) {
            member.stopHeartbeats();
        }
        if (member == null || !member.joined()) {
            if (answer) {
                out.onCompleted();
            }
            return;
        }
        member.commit(delivery.partitions(), () -> {
            member.leaveGroup();
            if (answer) {
                delivery.drainControl();
                out.onCompleted();
            }
        });
    }
}
