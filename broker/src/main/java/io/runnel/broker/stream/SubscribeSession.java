package io.runnel.broker.stream;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.runnel.broker.partition.TopicPartition;
import io.runnel.proto.v1.CommittedPosition;
import io.runnel.proto.v1.ConsumerGroupHeartbeatRequest;
import io.runnel.proto.v1.ConsumerGroupHeartbeatResponse;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.FetchPartitionResponse;
import io.runnel.proto.v1.PartitionRef;
import io.runnel.proto.v1.Record;
import io.runnel.proto.v1.SubscribeAck;
import io.runnel.proto.v1.SubscribeCommitted;
import io.runnel.proto.v1.SubscribeJoined;
import io.runnel.proto.v1.SubscribeOpen;
import io.runnel.proto.v1.SubscribeRecords;
import io.runnel.proto.v1.SubscribeRequest;
import io.runnel.proto.v1.SubscribeResponse;
import io.runnel.proto.v1.SubscribeWarning;
import io.runnel.proto.v1.TopicPartitionList;
import io.runnel.proto.v1.TopicPartitions;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One Subscribe stream (stream.proto): a consumer-group member run by the broker for its client.
 * It heartbeats to the group's coordinator (wherever that is) as any member does, reconciles the
 * assignment (revoke: stop delivering, commit what was acknowledged, tell the client, then report
 * the partition released), fetches assigned partitions from their leaders, pushes records while
 * the client has credit ({@code max_unacked}) and the transport is ready, and commits the
 * client's acknowledged offsets every heartbeat.
 *
 * <p>Thread-safety: gRPC callbacks, answers of the calls it makes and timers all lock this session.
 */
final class SubscribeSession implements StreamSession, StreamObserver<SubscribeRequest> {
    private static final int DEFAULT_MAX_UNACKED = 500;
    private static final int MAX_RECORDS_PER_MESSAGE = 500;
    private static final long RETRY_MS = 200;

    private final ServerCallStreamObserver<SubscribeResponse> out;
    private final ClusterChannels channels;
    private final ScheduledExecutorService timers;
    private final LeaderCalls leaders;
    private final String memberId = UUID.randomUUID().toString();

    // All guarded by this.
    private SubscribeOpen open;
    /** Calls to the group's coordinator; made with `open`. */
    private CoordinatorCalls coordinator;
    private int maxUnacked;
    private boolean ended;
    private boolean joined;
    private int memberEpoch;
    private int heartbeatIntervalMs = 1000;
    private ScheduledFuture<?> nextHeartbeat;
    private boolean heartbeating;
    /** Assigned partitions and their delivery state, in assignment order. */
    private final Map<TopicPartition, AssignedPartition> owned = new LinkedHashMap<>();
    /** Revoked partitions whose acknowledged offsets are being committed: still reported owned. */
    private final Set<TopicPartition> releasing = new HashSet<>();
    /** Records delivered and not acknowledged, over all partitions. */
    private int unacked;
    /** Control messages (joined, assigned, revoked, committed, warning) not yet handed to the transport. */
    private final Deque<SubscribeResponse> unsent = new ArrayDeque<>();

    SubscribeSession(ServerCallStreamObserver<SubscribeResponse> out, ClusterChannels channels, ScheduledExecutorService timers,
                     Set<StreamSession> sessions) {
        this.out = out;
        sessions.add(this);
        out.setOnCloseHandler(() -> sessions.remove(this));
        this.channels = channels;
        this.timers = timers;
        this.leaders = new LeaderCalls(channels);
        out.setOnReadyHandler(this::deliver);
        out.setOnCancelHandler(() -> {
            sessions.remove(this);
            leave(false);
        });
    }

    // ---------------------------------------------------------------- client messages

    @Override
    public synchronized void onNext(SubscribeRequest request) {
        if (ended) {
            return;
        }
        switch (request.getKindCase()) {
            case OPEN -> {
                if (open != null) {
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
                open = o;
                coordinator = new CoordinatorCalls(channels, o.getGroupId());
                maxUnacked = o.getMaxUnacked() == 0 ? DEFAULT_MAX_UNACKED : o.getMaxUnacked();
                heartbeat();
            }
            case ACK -> {
                if (open == null) {
                    fail("send `open` first");
                    return;
                }
                acked(request.getAck());
            }
            default -> fail("a SubscribeRequest needs `open` or `ack`");
        }
    }

    private void acked(SubscribeAck ack) {
        AssignedPartition o = owned.get(new TopicPartition(ack.getTopic(), Math.max(0, ack.getPartition())));
        if (o == null || ack.getPartition() < 0) {
            return; // not assigned (any more): those records go to the next owner again
        }
        int done = o.acknowledge(ack.getOffset());
        if (done > 0) {
            unacked -= done;
            deliver();
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
        if (ended) {
            return;
        }
        ended = true;
        if (nextHeartbeat != null) {
            nextHeartbeat.cancel(false);
        }
        out.onError(status.asRuntimeException());
        leaveGroup();
    }

    @Override
    public synchronized void shutdown() {
        end(Status.UNAVAILABLE.withDescription("the broker is shutting down; reconnect to another broker"));
    }

    /** The client is done (or gone): commit what it acknowledged, leave the group, end the stream. */
    private synchronized void leave(boolean answer) {
        if (ended) {
            return;
        }
        ended = true;
        if (nextHeartbeat != null) {
            nextHeartbeat.cancel(false);
        }
        if (open == null || !joined) {
            if (answer) {
                out.onCompleted();
            }
            return;
        }
        commit(List.copyOf(owned.values()), () -> {
            leaveGroup();
            if (answer) {
                drainControl();
                out.onCompleted();
            }
        });
    }

    private void leaveGroup() {
        if (coordinator != null) {
            coordinator.leave(memberId);
        }
    }

    // ---------------------------------------------------------------- membership

    private void scheduleHeartbeat(long delayMs) {
        if (ended) {
            return;
        }
        if (nextHeartbeat != null) {
            nextHeartbeat.cancel(false);
        }
        nextHeartbeat = timers.schedule(() -> {
            synchronized (this) {
                heartbeat();
            }
        }, delayMs, TimeUnit.MILLISECONDS);
    }

    private void heartbeat() {
        if (ended || heartbeating) {
            return;
        }
        // The subscription goes with every heartbeat: the coordinator refuses one without it.
        ConsumerGroupHeartbeatRequest.Builder request = ConsumerGroupHeartbeatRequest.newBuilder()
            .setGroupId(open.getGroupId()).setMemberId(memberId).setMemberEpoch(memberEpoch)
            .addAllSubscribedTopics(open.getTopicsList()).setClientId(open.getClientId());
        if (memberEpoch == 0) {
            request.setAssignor(open.getAssignor()).setSessionTimeoutMs(open.getSessionTimeoutMs());
        }
        Set<TopicPartition> reported = new HashSet<>(owned.keySet());
        reported.addAll(releasing);
        request.addAllOwnedPartitions(CoordinatorCalls.toProto(reported));
        heartbeating = true;
        coordinator.heartbeat(request.build()).thenAccept(r -> {
            synchronized (this) {
                heartbeating = false;
                heartbeatAnswered(r);
            }
        });
    }

    private void heartbeatAnswered(ConsumerGroupHeartbeatResponse r) {
        if (ended) {
            return;
        }
        switch (r.getError()) {
            case NONE -> {
            }
            case NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE, COORDINATOR_LOAD_IN_PROGRESS -> {
                warn(r.getError(), r.getErrorMessage());
                scheduleHeartbeat(RETRY_MS);
                return;
            }
            case UNKNOWN_MEMBER_ID, FENCED_MEMBER_EPOCH -> {
                // Removed from the group: the partitions may be someone else's already, so nothing is
                // committed; the client is told they are gone, and the member joins again.
                warn(r.getError(), r.getErrorMessage());
                List<TopicPartition> lost = new ArrayList<>(owned.keySet());
                lost.forEach(tp -> unacked -= owned.remove(tp).delivered.size());
                releasing.clear();
                if (!lost.isEmpty()) {
                    control(SubscribeResponse.newBuilder().setRevoked(toList(lost)).build());
                }
                memberEpoch = 0;
                scheduleHeartbeat(0);
                return;
            }
            default -> {
                // INVALID_REQUEST, INVALID_GROUP_ID, UNSUPPORTED_ASSIGNOR, ...: the subscription itself is wrong.
                fail("the group refused the subscription: " + r.getError() + " " + r.getErrorMessage());
                return;
            }
        }
        memberEpoch = r.getMemberEpoch();
        heartbeatIntervalMs = Math.max(10, r.getHeartbeatIntervalMs());
        if (!joined) {
            joined = true;
            control(SubscribeResponse.newBuilder().setJoined(SubscribeJoined.newBuilder().setMemberId(memberId)).build());
        }
        scheduleHeartbeat(heartbeatIntervalMs);
        reconcile(r.getAssignmentList());
        commit(List.copyOf(owned.values()), () -> { });
    }

    private void reconcile(List<TopicPartitions> assignment) {
        Set<TopicPartition> target = new HashSet<>();
        for (TopicPartitions t : assignment) {
            t.getPartitionsList().forEach(p -> target.add(new TopicPartition(t.getTopic(), p)));
        }
        List<AssignedPartition> revoked = new ArrayList<>();
        for (AssignedPartition o : List.copyOf(owned.values())) {
            if (!target.contains(o.tp)) {
                owned.remove(o.tp);
                unacked -= o.delivered.size();
                o.delivered.clear();
                o.buffer.clear();
                releasing.add(o.tp);
                revoked.add(o);
            }
        }
        if (!revoked.isEmpty()) {
            commit(revoked, () -> {
                control(SubscribeResponse.newBuilder().setRevoked(toList(revoked.stream().map(o -> o.tp).toList())).build());
                revoked.forEach(o -> releasing.remove(o.tp));
                scheduleHeartbeat(0); // report them released now: their next owner is waiting
            });
        }
        List<AssignedPartition> added = new ArrayList<>();
        for (TopicPartition tp : target) {
            if (!owned.containsKey(tp) && !releasing.contains(tp)) {
                AssignedPartition o = new AssignedPartition(tp);
                owned.put(tp, o);
                added.add(o);
            }
        }
        if (!added.isEmpty()) {
            control(SubscribeResponse.newBuilder().setAssigned(toList(added.stream().map(o -> o.tp).toList())).build());
            locate(added);
        }
    }

    // ---------------------------------------------------------------- offsets

    /** Starts each partition at its committed offset, or where start_from says if it has none. */
    private void locate(List<AssignedPartition> partitions) {
        coordinator.committed(partitions.stream().map(o -> o.tp).toList()).whenComplete((committed, error) -> {
            synchronized (this) {
                if (error != null) {
                    warn(ErrorCode.COORDINATOR_NOT_AVAILABLE, CoordinatorCalls.describe(error));
                    retryLocate(partitions);
                    return;
                }
                for (AssignedPartition o : current(partitions)) {
                    Long offset = committed.get(o.tp);
                    if (offset == null) {
                        reset(o);
                    } else {
                        o.committed = offset;
                        o.position = offset;
                        fetch(o);
                    }
                }
            }
        });
    }

    private void retryLocate(List<AssignedPartition> partitions) {
        timers.schedule(() -> {
            synchronized (this) {
                List<AssignedPartition> still = current(partitions);
                if (!ended && !still.isEmpty()) {
                    locate(still);
                }
            }
        }, RETRY_MS, TimeUnit.MILLISECONDS);
    }

    /** Those of the partitions still assigned to this stream (the same assignment, not a later one). */
    private List<AssignedPartition> current(List<AssignedPartition> partitions) {
        return partitions.stream().filter(o -> owned.get(o.tp) == o).toList();
    }

    /** Positions a partition without a usable offset at its log start or end (start_from). */
    private void reset(AssignedPartition o) {
        leaders.offset(o.tp, open.getStartFrom() == SubscribeOpen.StartFrom.LATEST ? -1 : -2).thenAccept(p -> {
            synchronized (this) {
                if (p.getError() != ErrorCode.NONE) {
                    warn(p.getError(), "locating " + o.tp + ": " + p.getErrorMessage());
                    retry(o, () -> reset(o));
                } else if (owned.get(o.tp) == o) {
                    o.position = p.getOffset();
                    fetch(o);
                }
            }
        });
    }

    /**
     * Commits the acknowledged offsets of the partitions that have new ones, then runs {@code then}
     * (also when the commit fails: the records are delivered again to the partition's next owner).
     */
    private void commit(Collection<AssignedPartition> partitions, Runnable then) {
        Map<TopicPartition, Long> offsets = new LinkedHashMap<>();
        Map<TopicPartition, AssignedPartition> byPartition = new HashMap<>();
        for (AssignedPartition o : partitions) {
            if (o.toCommit() >= 0) {
                offsets.put(o.tp, o.toCommit());
                byPartition.put(o.tp, o);
            }
        }
        if (offsets.isEmpty() || !joined) {
            then.run();
            return;
        }
        coordinator.commit(memberId, memberEpoch, offsets).whenComplete((errors, failure) -> {
            synchronized (this) {
                if (failure != null) {
                    warn(ErrorCode.COORDINATOR_NOT_AVAILABLE, "commit failed: " + CoordinatorCalls.describe(failure));
                    then.run();
                    return;
                }
                SubscribeCommitted.Builder done = SubscribeCommitted.newBuilder();
                errors.forEach((tp, code) -> {
                    AssignedPartition o = byPartition.get(tp);
                    if (o == null) {
                        return;
                    }
                    if (code == ErrorCode.NONE) {
                        o.committed = Math.max(o.committed, offsets.get(tp));
                        done.addOffsets(CommittedPosition.newBuilder().setTopic(tp.topic()).setPartition(tp.partition())
                            .setOffset(offsets.get(tp)));
                    } else {
                        warn(code, "committing " + tp + " failed");
                    }
                });
                if (done.getOffsetsCount() > 0) {
                    control(SubscribeResponse.newBuilder().setCommitted(done).build());
                }
                then.run();
            }
        });
    }

    // ---------------------------------------------------------------- fetching and delivering

    private void retry(AssignedPartition o, Runnable action) {
        timers.schedule(() -> {
            synchronized (this) {
                if (!ended && owned.get(o.tp) == o) {
                    action.run();
                }
            }
        }, RETRY_MS, TimeUnit.MILLISECONDS);
    }

    /** Fetches the partition's next records, unless it has some waiting or the client has no credit. */
    private void fetch(AssignedPartition o) {
        if (ended || owned.get(o.tp) != o || o.position < 0 || o.fetching || !o.buffer.isEmpty() || unacked >= maxUnacked) {
            return;
        }
        o.fetching = true;
        long from = o.position;
        leaders.fetch(o.tp, from).thenAccept(p -> {
            synchronized (this) {
                o.fetching = false;
                if (owned.get(o.tp) == o && !ended) {
                    fetched(o, from, p);
                }
            }
        });
    }

    /** A fetch answer for a partition still assigned. */
    private void fetched(AssignedPartition o, long from, FetchPartitionResponse p) {
        if (p.getError() == ErrorCode.OFFSET_OUT_OF_RANGE) {
            warn(p.getError(), o.tp + " offset " + from + " is out of range; starting over as start_from says");
            o.position = -1;
            reset(o);
            return;
        }
        if (p.getError() != ErrorCode.NONE) {
            retry(o, () -> fetch(o));
            return;
        }
        o.fetched(p.getRecords().getRecordsList());
        deliver();
        fetch(o);
    }

    /** Sends control messages, then records while the client has credit and the transport is ready. */
    private synchronized void deliver() {
        if (ended) {
            return;
        }
        drainControl();
        if (!unsent.isEmpty()) {
            return;
        }
        boolean sent = true;
        while (sent && unacked < maxUnacked && out.isReady()) {
            sent = false;
            for (AssignedPartition o : owned.values()) {
                if (o.buffer.isEmpty() || unacked >= maxUnacked || !out.isReady()) {
                    continue;
                }
                SubscribeRecords.Builder records = SubscribeRecords.newBuilder().setTopic(o.tp.topic()).setPartition(o.tp.partition());
                int n = Math.min(Math.min(o.buffer.size(), maxUnacked - unacked), MAX_RECORDS_PER_MESSAGE);
                for (int i = 0; i < n; i++) {
                    Record r = o.buffer.poll();
                    records.addRecords(r);
                    o.delivered.add(r.getOffset());
                }
                unacked += n;
                out.onNext(SubscribeResponse.newBuilder().setRecords(records).build());
                sent = true;
            }
        }
        for (AssignedPartition o : List.copyOf(owned.values())) {
            fetch(o);
        }
    }

    private void control(SubscribeResponse message) {
        unsent.add(message);
        deliver();
    }

    private void drainControl() {
        while (!unsent.isEmpty() && out.isReady()) {
            out.onNext(unsent.poll());
        }
    }

    private void warn(ErrorCode error, String message) {
        if (!ended && unsent.size() < 100) {
            control(SubscribeResponse.newBuilder().setWarning(SubscribeWarning.newBuilder().setError(error).setMessage(message))
                .build());
        }
    }

    private static TopicPartitionList toList(Collection<TopicPartition> partitions) {
        TopicPartitionList.Builder out = TopicPartitionList.newBuilder();
        partitions.forEach(tp -> out.addPartitions(PartitionRef.newBuilder().setTopic(tp.topic()).setPartition(tp.partition())));
        return out.build();
    }
}
