package io.runnel.broker.group;

import com.google.re2j.Pattern;
import io.runnel.broker.partition.TopicPartition;
import io.runnel.proto.v1.ConsumerGroupHeartbeatRequest;
import io.runnel.proto.v1.ConsumerGroupHeartbeatResponse;
import io.runnel.proto.v1.ErrorCode;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;

/**
 * Joins, heartbeats and leaves of a coordinator's group members (ConsumerGroupHeartbeat,
 * group.proto): validates the request, changes the group under its shard's monitor, and answers
 * once the change is stored ({@link GroupCoordinator#write}).
 *
 * <p>Thread-safety: safe from any thread; each shard's monitor serializes its groups.
 */
final class MemberHeartbeats {
    private final GroupCoordinator coordinator;
    private final GroupSettings settings;
    private final Clock clock;

    MemberHeartbeats(GroupCoordinator coordinator, GroupSettings settings, Clock clock) {
        this.coordinator = coordinator;
        this.settings = settings;
        this.clock = clock;
    }

    /** Joins, heartbeats or leaves; see group.proto for the protocol and its errors. */
    CompletableFuture<ConsumerGroupHeartbeatResponse> heartbeat(ConsumerGroupHeartbeatRequest request) {
        GroupCoordinator.Lookup lookup = coordinator.shardFor(request.getGroupId());
        if (lookup.shard() == null) {
            return CompletableFuture.completedFuture(heartbeatError(lookup.error(), lookup.message()));
        }
        CoordinatorShard shard = lookup.shard();
        synchronized (shard) {
            if (shard.closed) {
                return CompletableFuture.completedFuture(heartbeatError(ErrorCode.NOT_COORDINATOR, "coordinator moved"));
            }
            List<GroupRecords.Entry> out = new ArrayList<>();
            ConsumerGroupHeartbeatResponse response;
            try {
                response = heartbeatLocked(shard, request, out);
            } catch (HeartbeatException e) {
                return CompletableFuture.completedFuture(heartbeatError(e.code, e.getMessage()));
            }
            return coordinator.write(shard, out).thenApply(code -> code == ErrorCode.NONE ? response
                : heartbeatError(code, "the group's state could not be stored; retry"));
        }
    }

    private ConsumerGroupHeartbeatResponse heartbeatLocked(CoordinatorShard shard, ConsumerGroupHeartbeatRequest req,
                                                           List<GroupRecords.Entry> out) {
        String memberId = req.getMemberId();
        if (memberId.isEmpty() || memberId.length() > 128) {
            throw new HeartbeatException(ErrorCode.INVALID_REQUEST, "member id must be 1-128 characters (a UUID the member picks)");
        }
        long now = clock.millis();
        ConsumerGroup group = shard.groups.get(req.getGroupId());
        int epoch = req.getMemberEpoch();
        if (epoch == -1) {
            if (group != null) {
                group.remove(memberId, coordinator.topics(), now, out);
                group.reconcile(out);
            }
            return ConsumerGroupHeartbeatResponse.newBuilder().setMemberId(memberId).setMemberEpoch(-1).build();
        }
        if (epoch < -1) {
            throw new HeartbeatException(ErrorCode.INVALID_REQUEST, "member epoch must be -1 (leave), 0 (join) or the "
                + "current epoch, got " + epoch);
        }
        Pattern pattern = validateSubscription(req, settings.maxRegexLength());
        GroupMember member = group == null ? null : group.members.get(memberId);
        if (epoch == 0) {
            if (group != null && member == null && group.members.size() >= settings.maxSize()) {
                throw new HeartbeatException(ErrorCode.GROUP_MAX_SIZE_REACHED, "group '" + group.id + "' has "
                    + group.members.size() + " members, the limit of " + GroupSettings.MAX_SIZE + " (" + settings.maxSize()
                    + "): member " + memberId + " cannot join");
            }
            int session = req.getSessionTimeoutMs() == 0 ? settings.sessionTimeoutMs() : req.getSessionTimeoutMs();
            if (session < settings.minSessionTimeoutMs() || session > settings.maxSessionTimeoutMs()) {
                throw new HeartbeatException(ErrorCode.INVALID_REQUEST, "session timeout " + session + " ms is outside the "
                    + "broker's range " + settings.minSessionTimeoutMs() + "-" + settings.maxSessionTimeoutMs() + " ms");
            }
            if (group == null) {
                String assignor = req.getAssignor().isEmpty() ? "range" : req.getAssignor();
                group = new ConsumerGroup(req.getGroupId(), assignor, now);
                shard.groups.put(group.id, group);
            }
            member = new GroupMember(memberId);
            member.clientId = req.getClientId();
            member.topics = List.copyOf(req.getSubscribedTopicsList());
            member.regex = req.getSubscribedTopicRegex();
            member.pattern = pattern;
            member.sessionTimeoutMs = session;
            member.deadlineMs = now + session;
            group.join(member, coordinator.topics(), now, out);
        } else {
            if (member == null) {
                throw new HeartbeatException(ErrorCode.UNKNOWN_MEMBER_ID, "member " + memberId + " is not in group '"
                    + req.getGroupId() + "' (it left or its session expired); rejoin with epoch 0");
            }
            if (epoch != member.epoch && epoch != member.previousEpoch) {
                throw new HeartbeatException(ErrorCode.FENCED_MEMBER_EPOCH, "member epoch " + epoch + " is stale (current "
                    + member.epoch + "); rejoin with epoch 0");
            }
            member.deadlineMs = now + member.sessionTimeoutMs;
            if (member.subscriptionDiffers(req.getSubscribedTopicsList(), req.getSubscribedTopicRegex())) {
                group.resubscribe(member, req.getSubscribedTopicsList(), req.getSubscribedTopicRegex(), pattern, coordinator.topics(), out);
            }
            Set<TopicPartition> owned = new TreeSet<>(GroupRecords.ORDER);
            owned.addAll(GroupRecords.fromProto(req.getOwnedPartitionsList()));
            group.owned(member, owned, epoch, out);
        }
        group.reconcile(out);
        group.advanceEpoch(member, out);
        return ConsumerGroupHeartbeatResponse.newBuilder().setMemberId(memberId).setMemberEpoch(member.epoch)
            .setHeartbeatIntervalMs(settings.heartbeatIntervalMs()).addAllAssignment(GroupRecords.toProto(member.assigned)).build();
    }

    private static Pattern validateSubscription(ConsumerGroupHeartbeatRequest req, int maxRegexLength) {
        if (!req.getAssignor().isEmpty()) {
            try {
                Assignor.forName(req.getAssignor());
            } catch (IllegalArgumentException e) {
                throw new HeartbeatException(ErrorCode.UNSUPPORTED_ASSIGNOR, e.getMessage());
            }
        }
        boolean names = req.getSubscribedTopicsCount() > 0;
        boolean regex = !req.getSubscribedTopicRegex().isEmpty();
        if (names == regex) {
            throw new HeartbeatException(ErrorCode.INVALID_REQUEST, names
                ? "subscribe to topic names or a regular expression, not both" : "the subscription is empty");
        }
        for (String t : req.getSubscribedTopicsList()) {
            if (t.isEmpty()) {
                throw new HeartbeatException(ErrorCode.INVALID_REQUEST, "a subscribed topic name is empty");
            }
        }
        if (!regex) {
            return null;
        }
        try {
            return SubscriptionRegex.compile(req.getSubscribedTopicRegex(), maxRegexLength);
        } catch (IllegalArgumentException e) {
            throw new HeartbeatException(ErrorCode.INVALID_REGULAR_EXPRESSION, e.getMessage());
        }
    }

    private static ConsumerGroupHeartbeatResponse heartbeatError(ErrorCode code, String message) {
        return ConsumerGroupHeartbeatResponse.newBuilder().setError(code).setErrorMessage(message).build();
    }

    private static final class HeartbeatException extends RuntimeException {
        final ErrorCode code;

        HeartbeatException(ErrorCode code, String message) {
            super(message, null, false, false);
            this.code = code;
        }
    }
}
