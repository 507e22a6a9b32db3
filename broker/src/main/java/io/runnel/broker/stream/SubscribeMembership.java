package io.runnel.broker.stream;

import io.runnel.broker.partition.TopicPartition;
import io.runnel.proto.v1.CommittedPosition;
import io.runnel.proto.v1.ConsumerGroupHeartbeatRequest;
import io.runnel.proto.v1.ConsumerGroupHeartbeatResponse;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.SubscribeCommitted;
import io.runnel.proto.v1.SubscribeJoined;
import io.runnel.proto.v1.SubscribeOpen;
import io.runnel.proto.v1.SubscribeResponse;
import io.runnel.proto.v1.TopicPartitions;
import java.util.ArrayList;
import java.util.Collection;
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
import java.util.function.Consumer;

/**
 * The consumer-group membership a {@link SubscribeSession} holds for its client: it heartbeats to
 * the group's coordinator (wherever that is) as any member does, reconciles the assignment
 * (revoke: stop delivering, commit what was acknowledged, tell the client, then report the
 * partition released), locates newly assigned partitions at their committed offsets, and commits
 * the client's acknowledged offsets every heartbeat. Delivery is {@link SubscribeDelivery}'s.
 *
 * <p>Thread-safety: every method needs the session's lock ({@code lock}, the {@link SubscribeSession}
 * itself); the answers of its coordinator calls and its timers take it themselves.
 */
final class SubscribeMembership {
    private final Object lock;
    private final SubscribeOpen open;
    /** Calls to the group's coordinator; made with `open`. */
    private final CoordinatorCalls coordinator;
    private final ScheduledExecutorService timers;
    private final SubscribeDelivery delivery;
    /** Ends the stream with INVALID_ARGUMENT and this reason (the group refused the subscription). */
    private final Consumer<String> refused;
    private final String memberId = UUID.randomUUID().toString();

    // All guarded by lock.
    private boolean joined;
    private int memberEpoch;
    private int heartbeatIntervalMs = 1000;
    private ScheduledFuture<?> nextHeartbeat;
    private boolean heartbeating;
    /** Revoked partitions whose acknowledged offsets are being committed: still reported owned. */
    private final Set<TopicPartition> releasing = new HashSet<>();

    /**
     * @param lock    the session's lock, which guards this object and {@code delivery}
     * @param open    the client's (valid) `open`: group, subscription and member settings
     * @param refused ends the stream when the group refuses the subscription
     */
    SubscribeMembership(Object lock, SubscribeOpen open, ClusterChannels channels, ScheduledExecutorService timers,
                SubscribeDelivery delivery, Consumer<String> refused) {
        this.lock = lock;
        this.open = open;
        this.coordinator = new CoordinatorCalls(channels, open.getGroupId());
        this.timers = timers;
        this.delivery = delivery;
        this.refused = refused;
    }

    boolean joined() {
        return joined;
    }

    /** Cancels the next heartbeat (the stream ended). */
    void stopHeartbeats() {
        if (nextHeartbeat != null) {
            nextHeartbeat.cancel(false);
        }
    }

    /** Leaves the group (without committing: see {@link #commit}). */
    void leaveGroup() {
        coordinator.leave(memberId);
    }

    // ---------------------------------------------------------------- membership

    private void scheduleHeartbeat(long delayMs) {
        if (delivery.ended()) {
            return;
        }
        if (nextHeartbeat != null) {
            nextHeartbeat.cancel(false);
        }
        nextHeartbeat = timers.schedule(() -> {
            synchronized (lock) {
                heartbeat();
            }
        }, delayMs, TimeUnit.MILLISECONDS);
    }

    /** Sends a heartbeat now unless one is under way; the first one joins the group. */
    void heartbeat() {
        if (delivery.ended() || heartbeating) {
            return;
        }
        // The subscription goes with every heartbeat: the coordinator refuses one without it.
        ConsumerGroupHeartbeatRequest.Builder request = ConsumerGroupHeartbeatRequest.newBuilder()
            .setGroupId(open.getGroupId()).setMemberId(memberId).setMemberEpoch(memberEpoch)
            .addAllSubscribedTopics(open.getTopicsList()).setClientId(open.getClientId());
        if (memberEpoch == 0) {
            request.setAssignor(open.getAssignor()).setSessionTimeoutMs(open.getSessionTimeoutMs());
        }
        Set<TopicPartition> reported = new HashSet<>(delivery.assigned());
        reported.addAll(releasing);
        request.addAllOwnedPartitions(CoordinatorCalls.toProto(reported));
        heartbeating = true;
        coordinator.heartbeat(request.build()).thenAccept(r -> {
            synchronized (lock) {
                heartbeating = false;
                heartbeatAnswered(r);
            }
        });
    }

    private void heartbeatAnswered(ConsumerGroupHeartbeatResponse r) {
        if (delivery.ended()) {
            return;
        }
        switch (r.getError()) {
            case NONE -> {
            }
            case NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE, COORDINATOR_LOAD_IN_PROGRESS -> {
                delivery.warn(r.getError(), r.getErrorMessage());
                scheduleHeartbeat(SubscribeDelivery.RETRY_MS);
                return;
            }
            case UNKNOWN_MEMBER_ID, FENCED_MEMBER_EPOCH -> {
                // Removed from the group: the partitions may be someone else's already, so nothing is
                // committed; the client is told they are gone, and the member joins again.
                delivery.warn(r.getError(), r.getErrorMessage());
                List<TopicPartition> lost = delivery.dropAll();
                releasing.clear();
                if (!lost.isEmpty()) {
                    delivery.control(SubscribeResponse.newBuilder().setRevoked(SubscribeDelivery.toList(lost)).build());
                }
                memberEpoch = 0;
                scheduleHeartbeat(0);
                return;
            }
            default -> {
                // INVALID_REQUEST, INVALID_GROUP_ID, UNSUPPORTED_ASSIGNOR, ...: the subscription itself is wrong.
                refused.accept("the group refused the subscription: " + r.getError() + " " + r.getErrorMessage());
                return;
            }
        }
        memberEpoch = r.getMemberEpoch();
        heartbeatIntervalMs = Math.max(10, r.getHeartbeatIntervalMs());
        if (!joined) {
            joined = true;
            delivery.control(SubscribeResponse.newBuilder().setJoined(SubscribeJoined.newBuilder().setMemberId(memberId)).build());
        }
        scheduleHeartbeat(heartbeatIntervalMs);
        reconcile(r.getAssignmentList());
        commit(delivery.partitions(), () -> { });
    }

    private void reconcile(List<TopicPartitions> assignment) {
        Set<TopicPartition> target = new HashSet<>();
        for (TopicPartitions t : assignment) {
            t.getPartitionsList().forEach(p -> target.add(new TopicPartition(t.getTopic(), p)));
        }
        List<AssignedPartition> revoked = new ArrayList<>();
        for (AssignedPartition o : delivery.partitions()) {
            if (!target.contains(o.tp)) {
                delivery.revoke(o);
                releasing.add(o.tp);
                revoked.add(o);
            }
        }
        if (!revoked.isEmpty()) {
            commit(revoked, () -> {
                delivery.control(SubscribeResponse.newBuilder()
                    .setRevoked(SubscribeDelivery.toList(revoked.stream().map(o -> o.tp).toList())).build());
                revoked.forEach(o -> releasing.remove(o.tp));
                scheduleHeartbeat(0); // report them released now: their next owner is waiting
            });
        }
        List<AssignedPartition> added = new ArrayList<>();
        for (TopicPartition tp : target) {
            if (!delivery.isAssigned(tp) && !releasing.contains(tp)) {
                added.add(delivery.assign(tp));
            }
        }
        if (!added.isEmpty()) {
            delivery.control(SubscribeResponse.newBuilder()
                .setAssigned(SubscribeDelivery.toList(added.stream().map(o -> o.tp).toList())).build());
            locate(added);
        }
    }

    // ---------------------------------------------------------------- offsets

    /** Starts each partition at its committed offset, or where start_from says if it has none. */
    private void locate(List<AssignedPartition> partitions) {
        coordinator.committed(partitions.stream().map(o -> o.tp).toList()).whenComplete((committed, error) -> {
            synchronized (lock) {
                if (error != null) {
                    delivery.warn(ErrorCode.COORDINATOR_NOT_AVAILABLE, CoordinatorCalls.describe(error));
                    retryLocate(partitions);
                    return;
                }
                for (AssignedPartition o : current(partitions)) {
                    Long offset = committed.get(o.tp);
                    if (offset == null) {
                        delivery.reset(o);
                    } else {
                        o.committed = offset;
                        o.position = offset;
                        delivery.fetch(o);
                    }
                }
            }
        });
    }

    private void retryLocate(List<AssignedPartition> partitions) {
        timers.schedule(() -> {
            synchronized (lock) {
                List<AssignedPartition> still = current(partitions);
                if (!delivery.ended() && !still.isEmpty()) {
                    locate(still);
                }
            }
        }, SubscribeDelivery.RETRY_MS, TimeUnit.MILLISECONDS);
    }

    /** Those of the partitions still assigned to this stream (the same assignment, not a later one). */
    private List<AssignedPartition> current(List<AssignedPartition> partitions) {
        return partitions.stream().filter(delivery::isCurrent).toList();
    }

    /**
     * Commits the acknowledged offsets of the partitions that have new ones, then runs {@code then}
     * (also when the commit fails: the records are delivered again to the partition's next owner).
     */
    void commit(Collection<AssignedPartition> partitions, Runnable then) {
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
            synchronized (lock) {
                if (failure != null) {
                    delivery.warn(ErrorCode.COORDINATOR_NOT_AVAILABLE, "commit failed: " + CoordinatorCalls.describe(failure));
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
                        delivery.warn(code, "committing " + tp + " failed");
                    }
                });
                if (done.getOffsetsCount() > 0) {
                    delivery.control(SubscribeResponse.newBuilder().setCommitted(done).build());
                }
                then.run();
            }
        });
    }
}
