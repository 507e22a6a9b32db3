package io.runnel.broker.stream;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.runnel.broker.partition.PartitionState;
import io.runnel.broker.partition.TopicPartition;
import io.runnel.proto.v1.BrokerGrpc;
import io.runnel.proto.v1.CommittedOffset;
import io.runnel.proto.v1.CommittedPosition;
import io.runnel.proto.v1.ConsumerGroupHeartbeatRequest;
import io.runnel.proto.v1.ConsumerGroupHeartbeatResponse;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.FetchPartition;
import io.runnel.proto.v1.FetchPartitionResponse;
import io.runnel.proto.v1.FetchRequest;
import io.runnel.proto.v1.FetchResponse;
import io.runnel.proto.v1.FetchTopic;
import io.runnel.proto.v1.FindCoordinatorRequest;
import io.runnel.proto.v1.FindCoordinatorResponse;
import io.runnel.proto.v1.GroupGrpc;
import io.runnel.proto.v1.ListOffsetsPartition;
import io.runnel.proto.v1.ListOffsetsPartitionResponse;
import io.runnel.proto.v1.ListOffsetsRequest;
import io.runnel.proto.v1.ListOffsetsResponse;
import io.runnel.proto.v1.ListOffsetsTopic;
import io.runnel.proto.v1.OffsetCommitPartition;
import io.runnel.proto.v1.OffsetCommitPartitionResponse;
import io.runnel.proto.v1.OffsetCommitRequest;
import io.runnel.proto.v1.OffsetCommitResponse;
import io.runnel.proto.v1.OffsetCommitTopic;
import io.runnel.proto.v1.OffsetCommitTopicResponse;
import io.runnel.proto.v1.OffsetFetchRequest;
import io.runnel.proto.v1.OffsetFetchResponse;
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
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
    /** Per partition fetch; also below the 4 MiB default inbound limit of stock gRPC clients. */
    private static final int FETCH_BYTES = 1 << 20;
    private static final int FETCH_WAIT_MS = 500;
    private static final long RETRY_MS = 200;
    private static final long CALL_TIMEOUT_MS = 15_000;

    private final ServerCallStreamObserver<SubscribeResponse> out;
    private final ClusterChannels channels;
    private final ScheduledExecutorService timers;
    private final String memberId = UUID.randomUUID().toString();

    // All guarded by this.
    private SubscribeOpen open;
    private int maxUnacked;
    private boolean ended;
    private boolean joined;
    private int memberEpoch;
    private int heartbeatIntervalMs = 1000;
    private int coordinatorId = -1;
    private ScheduledFuture<?> nextHeartbeat;
    private boolean heartbeating;
    /** Assigned partitions and their delivery state, in assignment order. */
    private final Map<TopicPartition, Owned> owned = new LinkedHashMap<>();
    /** Revoked partitions whose acknowledged offsets are being committed: still reported owned. */
    private final Set<TopicPartition> releasing = new HashSet<>();
    /** Records delivered and not acknowledged, over all partitions. */
    private int unacked;
    /** Control messages (joined, assigned, revoked, committed, warning) not yet handed to the transport. */
    private final Deque<SubscribeResponse> unsent = new ArrayDeque<>();

    /** One assigned partition. */
    private static final class Owned {
        final TopicPartition tp;
        /** Next offset to fetch; -1 until located (committed offset, or start_from). */
        long position = -1;
        /** Last acknowledged offset; -1 if none on this stream. */
        long acked = -1;
        /** What the group has committed (next record to process), -1 if nothing. */
        long committed = -1;
        boolean fetching;
        final Deque<Record> buffer = new ArrayDeque<>();
        final Deque<Long> delivered = new ArrayDeque<>();

        Owned(TopicPartition tp) {
            this.tp = tp;
        }

        /** The offset to commit for what was acknowledged, or -1 if nothing new. */
        long toCommit() {
            return acked >= 0 && acked + 1 > committed ? acked + 1 : -1;
        }
    }

    SubscribeSession(ServerCallStreamObserver<SubscribeResponse> out, ClusterChannels channels, ScheduledExecutorService timers,
                     Set<StreamSession> open) {
        this.out = out;
        open.add(this);
        out.setOnCloseHandler(() -> open.remove(this));
        this.channels = channels;
        this.timers = timers;
        out.setOnReadyHandler(this::deliver);
        out.setOnCancelHandler(() -> {
            open.remove(this);
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
        Owned o = owned.get(new TopicPartition(ack.getTopic(), Math.max(0, ack.getPartition())));
        if (o == null || ack.getPartition() < 0) {
            return; // not assigned (any more): those records go to the next owner again
        }
        long last = -1;
        while (!o.delivered.isEmpty() && o.delivered.peek() <= ack.getOffset()) {
            last = o.delivered.poll();
            unacked--;
        }
        if (last >= 0) {
            o.acked = last;
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
        if (open == null || coordinatorId < 0) {
            return;
        }
        channels.group(coordinatorId).ifPresent(stub -> stub.withDeadlineAfter(CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS)
            .consumerGroupHeartbeat(ConsumerGroupHeartbeatRequest.newBuilder().setGroupId(open.getGroupId())
                .setMemberId(memberId).setMemberEpoch(-1).build(), new Answer<>() {
                    @Override
                    public void onNext(ConsumerGroupHeartbeatResponse r) {
                    }

                    @Override
                    public void onError(Throwable t) {
                        // The session expires on the coordinator instead.
                    }
                }));
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
        if (coordinatorId < 0) {
            findCoordinator();
            return;
        }
        Optional<GroupGrpc.GroupStub> stub = channels.group(coordinatorId);
        if (stub.isEmpty()) {
            warn(ErrorCode.COORDINATOR_NOT_AVAILABLE, "coordinator " + coordinatorId + " is not a live broker");
            coordinatorId = -1;
            scheduleHeartbeat(RETRY_MS);
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
        request.addAllOwnedPartitions(toProto(reported));
        heartbeating = true;
        stub.get().withDeadlineAfter(CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS).consumerGroupHeartbeat(request.build(),
            new Answer<>() {
                @Override
                public void onNext(ConsumerGroupHeartbeatResponse r) {
                    synchronized (SubscribeSession.this) {
                        heartbeating = false;
                        heartbeatAnswered(r);
                    }
                }

                @Override
                public void onError(Throwable t) {
                    synchronized (SubscribeSession.this) {
                        heartbeating = false;
                        coordinatorId = -1;
                        warn(ErrorCode.COORDINATOR_NOT_AVAILABLE, "heartbeat failed: " + Status.fromThrowable(t));
                        scheduleHeartbeat(RETRY_MS);
                    }
                }
            });
    }

    private void findCoordinator() {
        Optional<GroupGrpc.GroupStub> self = channels.group(channels.selfId());
        if (self.isEmpty()) {
            scheduleHeartbeat(RETRY_MS);
            return;
        }
        heartbeating = true;
        self.get().withDeadlineAfter(CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS).findCoordinator(
            FindCoordinatorRequest.newBuilder().setGroupId(open.getGroupId()).build(), new Answer<>() {
                @Override
                public void onNext(FindCoordinatorResponse r) {
                    synchronized (SubscribeSession.this) {
                        heartbeating = false;
                        if (r.getError() == ErrorCode.INVALID_GROUP_ID) {
                            fail(r.getErrorMessage());
                        } else if (r.getError() != ErrorCode.NONE) {
                            warn(r.getError(), r.getErrorMessage());
                            scheduleHeartbeat(RETRY_MS);
                        } else {
                            coordinatorId = r.getCoordinator().getId();
                            heartbeat();
                        }
                    }
                }

                @Override
                public void onError(Throwable t) {
                    synchronized (SubscribeSession.this) {
                        heartbeating = false;
                        scheduleHeartbeat(RETRY_MS);
                    }
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
                coordinatorId = r.getError() == ErrorCode.COORDINATOR_LOAD_IN_PROGRESS ? coordinatorId : -1;
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
                // INVALID_REQUEST, UNSUPPORTED_ASSIGNOR, ...: the subscription itself is wrong.
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
        List<Owned> revoked = new ArrayList<>();
        for (Owned o : List.copyOf(owned.values())) {
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
        List<Owned> added = new ArrayList<>();
        for (TopicPartition tp : target) {
            if (!owned.containsKey(tp) && !releasing.contains(tp)) {
                Owned o = new Owned(tp);
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
    private void locate(List<Owned> partitions) {
        Optional<GroupGrpc.GroupStub> stub = coordinatorId < 0 ? Optional.empty() : channels.group(coordinatorId);
        if (stub.isEmpty()) {
            timers.schedule(() -> {
                synchronized (this) {
                    locate(current(partitions));
                }
            }, RETRY_MS, TimeUnit.MILLISECONDS);
            return;
        }
        OffsetFetchRequest request = OffsetFetchRequest.newBuilder().setGroupId(open.getGroupId())
            .addAllPartitions(toProto(partitions.stream().map(o -> o.tp).toList())).build();
        stub.get().withDeadlineAfter(CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS).offsetFetch(request, new Answer<>() {
            @Override
            public void onNext(OffsetFetchResponse r) {
                synchronized (SubscribeSession.this) {
                    if (r.getError() != ErrorCode.NONE) {
                        warn(r.getError(), "reading committed offsets: " + r.getErrorMessage());
                        retryLocate(partitions);
                        return;
                    }
                    for (CommittedOffset c : r.getOffsetsList()) {
                        for (Owned o : current(partitions)) {
                            if (o.tp.topic().equals(c.getTopic()) && o.tp.partition() == c.getPartition() && c.getOffset() >= 0) {
                                o.committed = c.getOffset();
                                o.position = c.getOffset();
                            }
                        }
                    }
                    for (Owned o : current(partitions)) {
                        if (o.position < 0) {
                            reset(o);
                        } else {
                            fetch(o);
                        }
                    }
                }
            }

            @Override
            public void onError(Throwable t) {
                synchronized (SubscribeSession.this) {
                    retryLocate(partitions);
                }
            }
        });
    }

    private void retryLocate(List<Owned> partitions) {
        timers.schedule(() -> {
            synchronized (this) {
                List<Owned> still = current(partitions);
                if (!ended && !still.isEmpty()) {
                    locate(still);
                }
            }
        }, RETRY_MS, TimeUnit.MILLISECONDS);
    }

    /** Those of the partitions still assigned to this stream (the same assignment, not a later one). */
    private List<Owned> current(List<Owned> partitions) {
        return partitions.stream().filter(o -> owned.get(o.tp) == o).toList();
    }

    /** Positions a partition without a usable offset at its log start or end (start_from). */
    private void reset(Owned o) {
        Optional<BrokerGrpc.BrokerStub> leader = leader(o.tp);
        if (leader.isEmpty()) {
            retry(o, () -> reset(o));
            return;
        }
        long timestamp = open.getStartFrom() == SubscribeOpen.StartFrom.LATEST ? -1 : -2;
        ListOffsetsRequest request = ListOffsetsRequest.newBuilder().addTopics(ListOffsetsTopic.newBuilder()
            .setTopic(o.tp.topic()).addPartitions(ListOffsetsPartition.newBuilder().setPartition(o.tp.partition())
                .setTimestamp(timestamp))).build();
        leader.get().withDeadlineAfter(CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS).listOffsets(request, new Answer<>() {
            @Override
            public void onNext(ListOffsetsResponse r) {
                synchronized (SubscribeSession.this) {
                    ListOffsetsPartitionResponse p = r.getTopics(0).getPartitions(0);
                    if (p.getError() != ErrorCode.NONE) {
                        warn(p.getError(), "locating " + o.tp + ": " + p.getErrorMessage());
                        retry(o, () -> reset(o));
                    } else if (owned.get(o.tp) == o) {
                        o.position = p.getOffset();
                        fetch(o);
                    }
                }
            }

            @Override
            public void onError(Throwable t) {
                synchronized (SubscribeSession.this) {
                    retry(o, () -> reset(o));
                }
            }
        });
    }

    /**
     * Commits the acknowledged offsets of the partitions that have new ones, then runs {@code then}
     * (also when the commit fails: the records are delivered again to the partition's next owner).
     */
    private void commit(Collection<Owned> partitions, Runnable then) {
        Map<String, OffsetCommitTopic.Builder> topics = new LinkedHashMap<>();
        for (Owned o : partitions) {
            long offset = o.toCommit();
            if (offset >= 0) {
                topics.computeIfAbsent(o.tp.topic(), t -> OffsetCommitTopic.newBuilder().setTopic(t))
                    .addPartitions(OffsetCommitPartition.newBuilder().setPartition(o.tp.partition()).setOffset(offset));
            }
        }
        Optional<GroupGrpc.GroupStub> stub = coordinatorId < 0 ? Optional.empty() : channels.group(coordinatorId);
        if (topics.isEmpty() || stub.isEmpty()) {
            then.run();
            return;
        }
        OffsetCommitRequest.Builder request = OffsetCommitRequest.newBuilder().setGroupId(open.getGroupId())
            .setMemberId(memberId).setMemberEpoch(memberEpoch);
        topics.values().forEach(request::addTopics);
        stub.get().withDeadlineAfter(CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS).offsetCommit(request.build(), new Answer<>() {
            @Override
            public void onNext(OffsetCommitResponse r) {
                synchronized (SubscribeSession.this) {
                    SubscribeCommitted.Builder done = SubscribeCommitted.newBuilder();
                    for (OffsetCommitTopicResponse t : r.getTopicsList()) {
                        for (OffsetCommitPartitionResponse p : t.getPartitionsList()) {
                            TopicPartition tp = new TopicPartition(t.getTopic(), p.getPartition());
                            Owned o = partitions.stream().filter(x -> x.tp.equals(tp)).findFirst().orElse(null);
                            if (o == null) {
                                continue;
                            }
                            long offset = request.getTopicsList().stream().filter(x -> x.getTopic().equals(tp.topic()))
                                .flatMap(x -> x.getPartitionsList().stream()).filter(x -> x.getPartition() == tp.partition())
                                .mapToLong(OffsetCommitPartition::getOffset).findFirst().orElse(-1);
                            if (p.getError() == ErrorCode.NONE) {
                                o.committed = Math.max(o.committed, offset);
                                done.addOffsets(CommittedPosition.newBuilder().setTopic(tp.topic())
                                    .setPartition(tp.partition()).setOffset(offset));
                            } else {
                                warn(p.getError(), "committing " + tp + ": " + p.getErrorMessage());
                            }
                        }
                    }
                    if (done.getOffsetsCount() > 0) {
                        control(SubscribeResponse.newBuilder().setCommitted(done).build());
                    }
                    then.run();
                }
            }

            @Override
            public void onError(Throwable t) {
                synchronized (SubscribeSession.this) {
                    warn(ErrorCode.COORDINATOR_NOT_AVAILABLE, "commit failed: " + Status.fromThrowable(t));
                    then.run();
                }
            }
        });
    }

    // ---------------------------------------------------------------- fetching and delivering

    private Optional<BrokerGrpc.BrokerStub> leader(TopicPartition tp) {
        Map<Integer, PartitionState> partitions = channels.cluster().topics().get(tp.topic());
        PartitionState state = partitions == null ? null : partitions.get(tp.partition());
        return state == null || state.leaderId() < 0 ? Optional.empty() : channels.broker(state.leaderId());
    }

    private void retry(Owned o, Runnable action) {
        timers.schedule(() -> {
            synchronized (this) {
                if (!ended && owned.get(o.tp) == o) {
                    action.run();
                }
            }
        }, RETRY_MS, TimeUnit.MILLISECONDS);
    }

    /** Fetches the partition's next records, unless it has some waiting or the client has no credit. */
    private void fetch(Owned o) {
        if (ended || owned.get(o.tp) != o || o.position < 0 || o.fetching || !o.buffer.isEmpty() || unacked >= maxUnacked) {
            return;
        }
        Optional<BrokerGrpc.BrokerStub> leader = leader(o.tp);
        if (leader.isEmpty()) {
            retry(o, () -> fetch(o));
            return;
        }
        o.fetching = true;
        long from = o.position;
        FetchRequest request = FetchRequest.newBuilder().setMaxWaitMs(FETCH_WAIT_MS).setMinBytes(1).setMaxBytes(FETCH_BYTES)
            .setRecordsAsMessages(true).addTopics(FetchTopic.newBuilder().setTopic(o.tp.topic())
                .addPartitions(FetchPartition.newBuilder().setPartition(o.tp.partition()).setFetchOffset(from)
                    .setCurrentLeaderEpoch(-1).setPartitionMaxBytes(FETCH_BYTES))).build();
        leader.get().withDeadlineAfter(FETCH_WAIT_MS + CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS).fetch(request, new Answer<>() {
            @Override
            public void onNext(FetchResponse r) {
                synchronized (SubscribeSession.this) {
                    o.fetching = false;
                    if (owned.get(o.tp) != o || ended) {
                        return;
                    }
                    FetchPartitionResponse p = r.getTopics(0).getPartitions(0);
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
                    for (Record rec : p.getRecords().getRecordsList()) {
                        if (rec.getOffset() >= o.position) {
                            o.buffer.add(rec);
                            o.position = rec.getOffset() + 1;
                        }
                    }
                    deliver();
                    fetch(o);
                }
            }

            @Override
            public void onError(Throwable t) {
                synchronized (SubscribeSession.this) {
                    o.fetching = false;
                    retry(o, () -> fetch(o));
                }
            }
        });
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
            for (Owned o : owned.values()) {
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
        for (Owned o : List.copyOf(owned.values())) {
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

    private static List<TopicPartitions> toProto(Collection<TopicPartition> partitions) {
        Map<String, TopicPartitions.Builder> byTopic = new LinkedHashMap<>();
        for (TopicPartition tp : partitions) {
            byTopic.computeIfAbsent(tp.topic(), t -> TopicPartitions.newBuilder().setTopic(t)).addPartitions(tp.partition());
        }
        return byTopic.values().stream().map(TopicPartitions.Builder::build).toList();
    }

    private static TopicPartitionList toList(Collection<TopicPartition> partitions) {
        TopicPartitionList.Builder out = TopicPartitionList.newBuilder();
        partitions.forEach(tp -> out.addPartitions(PartitionRef.newBuilder().setTopic(tp.topic()).setPartition(tp.partition())));
        return out.build();
    }
}
