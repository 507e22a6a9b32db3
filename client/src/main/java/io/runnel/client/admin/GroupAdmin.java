package io.runnel.client.admin;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.runnel.client.admin.RunnelAdmin.AdminException;
import io.runnel.client.common.Bootstrap;
import io.runnel.client.common.TopicPartition;
import io.runnel.proto.v1.BrokerGrpc;
import io.runnel.proto.v1.BrokerInfo;
import io.runnel.proto.v1.CommittedOffset;
import io.runnel.proto.v1.DeleteGroupResult;
import io.runnel.proto.v1.DeleteGroupsRequest;
import io.runnel.proto.v1.DescribeGroupsRequest;
import io.runnel.proto.v1.DescribeGroupsResponse;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.FindCoordinatorRequest;
import io.runnel.proto.v1.FindCoordinatorResponse;
import io.runnel.proto.v1.GroupGrpc;
import io.runnel.proto.v1.GroupMemberDescription;
import io.runnel.proto.v1.ListGroupsRequest;
import io.runnel.proto.v1.ListGroupsResponse;
import io.runnel.proto.v1.ListOffsetsPartition;
import io.runnel.proto.v1.ListOffsetsPartitionResponse;
import io.runnel.proto.v1.ListOffsetsRequest;
import io.runnel.proto.v1.ListOffsetsTopic;
import io.runnel.proto.v1.ListOffsetsTopicResponse;
import io.runnel.proto.v1.MetadataResponse;
import io.runnel.proto.v1.OffsetCommitPartition;
import io.runnel.proto.v1.OffsetCommitPartitionResponse;
import io.runnel.proto.v1.OffsetCommitRequest;
import io.runnel.proto.v1.OffsetCommitResponse;
import io.runnel.proto.v1.OffsetCommitTopic;
import io.runnel.proto.v1.OffsetCommitTopicResponse;
import io.runnel.proto.v1.PartitionMetadata;
import io.runnel.proto.v1.TopicMetadata;
import io.runnel.proto.v1.TopicPartitions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The consumer-group half of {@link RunnelAdmin}: finds a group's coordinator and asks it, and reads
 * partition offsets from leaders to turn committed offsets into lag or reset targets. A class of
 * its own so that RunnelAdmin stays a list of entry points.
 *
 * <p>Thread-safety: safe from any thread; the only state is the shared {@link Bootstrap}.
 */
final class GroupAdmin {
    /**
     * How long calls wait for a coordinator. The first call for any group creates
     * __consumer_offsets, and its partitions need a leader and a replayed log before they answer;
     * 15 s covers that on a fresh cluster and one leader election on a running one.
     */
    private static final Duration COORDINATOR_WAIT = Duration.ofSeconds(15);
    private static final long MAX_BACKOFF_MS = 1000;
    private static final long RPC_DEADLINE_S = 10;
    private static final Set<ErrorCode> RETRIABLE = EnumSet.of(ErrorCode.COORDINATOR_NOT_AVAILABLE,
        ErrorCode.NOT_COORDINATOR, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    private static final Comparator<TopicPartition> BY_TOPIC_PARTITION =
        Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition);

    private final Bootstrap bootstrap;

    GroupAdmin(Bootstrap bootstrap) {
        this.bootstrap = bootstrap;
    }

    List<GroupListing> listGroups() {
        // Any topic name will do: only the broker list is wanted, not every topic's partitions.
        MetadataResponse md = bootstrap.metadata(List.of("__consumer_offsets"));
        Map<String, GroupListing> groups = new TreeMap<>();
        for (BrokerInfo broker : md.getBrokersList()) {
            ListGroupsResponse r = listGroupsOf(broker);
            for (io.runnel.proto.v1.GroupListing g : r.getGroupsList()) {
                // While a coordinator moves, old and new may both list a group; either entry is as good.
                groups.putIfAbsent(g.getGroupId(), new GroupListing(g.getGroupId(), g.getState(), g.getMembers(), r.getBrokerId()));
            }
        }
        return List.copyOf(groups.values());
    }

    /** One broker's groups, waiting (up to {@link #COORDINATOR_WAIT}) while it is still loading some. */
    private ListGroupsResponse listGroupsOf(BrokerInfo broker) {
        long deadline = System.nanoTime() + COORDINATOR_WAIT.toNanos();
        long backoffMs = 50;
        while (true) {
            ListGroupsResponse r;
            try {
                r = GroupGrpc.newBlockingStub(bootstrap.channel(broker)).withDeadlineAfter(RPC_DEADLINE_S, TimeUnit.SECONDS)
                    .listGroups(ListGroupsRequest.getDefaultInstance());
            } catch (StatusRuntimeException e) {
                // A partial list would hide that broker's groups without saying so.
                throw new AdminException(ErrorCode.COORDINATOR_NOT_AVAILABLE, "broker " + broker.getId() + " at "
                    + broker.getHost() + ":" + broker.getPort() + " did not answer ListGroups: " + e.getStatus());
            }
            if (r.getError() == ErrorCode.NONE) {
                return r;
            }
            if (System.nanoTime() >= deadline) {
                throw new AdminException(r.getError(), "broker " + broker.getId() + " is still loading some of its groups "
                    + "after " + COORDINATOR_WAIT.toSeconds() + " s; its list would be incomplete");
            }
            try {
                Thread.sleep(backoffMs); // backoff between RPC retries
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AdminException(r.getError(), "interrupted while waiting for broker " + broker.getId());
            }
            backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
        }
    }

    GroupDescription describeGroup(String groupId) {
        requireGroupId(groupId);
        io.runnel.proto.v1.GroupDescription g = withCoordinator(groupId, "DescribeGroups", stub -> {
            DescribeGroupsResponse r = stub.describeGroups(DescribeGroupsRequest.newBuilder().addGroupIds(groupId).build());
            if (r.getGroupsCount() != 1) {
                throw new AdminException(ErrorCode.UNKNOWN_SERVER_ERROR, "DescribeGroups for '" + groupId + "' returned "
                    + r.getGroupsCount() + " groups, expected 1");
            }
            io.runnel.proto.v1.GroupDescription d = r.getGroups(0);
            checkRetriable(d.getError(), d.getErrorMessage());
            if (d.getError() == ErrorCode.GROUP_ID_NOT_FOUND) {
                throw new AdminException(ErrorCode.GROUP_ID_NOT_FOUND, "group '" + groupId + "' does not exist");
            }
            if (d.getError() != ErrorCode.NONE) {
                throw new AdminException(d.getError(), "describe group '" + groupId + "': " + d.getErrorMessage());
            }
            return d;
        });

        List<GroupMember> members = new ArrayList<>();
        Map<TopicPartition, String> owners = new HashMap<>();
        for (GroupMemberDescription m : g.getMembersList()) {
            List<TopicPartition> assignment = partitions(m.getAssignmentList());
            List<TopicPartition> revoking = partitions(m.getRevokingList());
            members.add(new GroupMember(m.getMemberId(), m.getClientId(), m.getMemberEpoch(), m.getSubscribedTopicsList(),
                m.getSubscribedTopicRegex(), assignment, revoking, partitions(m.getTargetList())));
            // A partition being revoked is still consumed by its old owner until it reports it released.
            revoking.forEach(tp -> owners.putIfAbsent(tp, m.getMemberId()));
            assignment.forEach(tp -> owners.put(tp, m.getMemberId()));
        }
        members.sort(Comparator.comparing(GroupMember::memberId));

        Map<TopicPartition, Long> committed = new TreeMap<>(BY_TOPIC_PARTITION);
        for (CommittedOffset o : g.getOffsetsList()) {
            committed.put(new TopicPartition(o.getTopic(), o.getPartition()), o.getOffset());
        }
        owners.keySet().forEach(tp -> committed.putIfAbsent(tp, -1L));
        Map<TopicPartition, Long> logEnd = listOffsets(committed.keySet(), RunnelAdmin.LATEST, true);
        List<PartitionLag> partitions = new ArrayList<>();
        committed.forEach((tp, offset) -> partitions.add(new PartitionLag(tp, offset, logEnd.getOrDefault(tp, -1L),
            owners.getOrDefault(tp, ""))));
        return new GroupDescription(g.getGroupId(), g.getState(), g.getGroupEpoch(), g.getAssignor(), g.getCoordinatorId(),
            members, partitions);
    }

    Map<TopicPartition, Long> resetOffsets(String groupId, String topic, ResetSpec spec, boolean execute) {
        requireGroupId(groupId);
        if (topic == null || topic.isBlank()) {
            throw new IllegalArgumentException("topic must not be empty");
        }
        if (spec == null) {
            throw new IllegalArgumentException("reset spec must not be null (earliest, latest, a timestamp or an offset)");
        }
        TopicMetadata t = bootstrap.metadata(List.of(topic)).getTopics(0);
        if (t.getError() == ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) {
            throw new IllegalArgumentException("topic '" + topic + "' does not exist");
        }
        if (t.getError() != ErrorCode.NONE) {
            throw new AdminException(t.getError(), "topic '" + topic + "'");
        }
        Set<TopicPartition> tps = new TreeSet<>(BY_TOPIC_PARTITION);
        t.getPartitionsList().forEach(p -> tps.add(new TopicPartition(topic, p.getPartition())));

        // Earliest and latest bound every target, so both are read whatever the spec.
        Map<TopicPartition, Long> earliest = listOffsets(tps, RunnelAdmin.EARLIEST, false);
        Map<TopicPartition, Long> latest = listOffsets(tps, RunnelAdmin.LATEST, false);
        Map<TopicPartition, Long> byTime = spec instanceof ResetSpec.ToTimestamp ts
            ? listOffsets(tps, ts.timestampMs(), false) : Map.of();
        Map<TopicPartition, Long> plan = new LinkedHashMap<>();
        for (TopicPartition tp : tps) {
            long target;
            if (spec instanceof ResetSpec.Earliest) {
                target = earliest.get(tp);
            } else if (spec instanceof ResetSpec.Latest) {
                target = latest.get(tp);
            } else if (spec instanceof ResetSpec.ToTimestamp) {
                long found = byTime.get(tp);
                // No record that recent: the group starts after everything written so far.
                target = found < 0 ? latest.get(tp) : found;
            } else {
                long wanted = ((ResetSpec.ToOffset) spec).offset();
                target = Math.max(earliest.get(tp), Math.min(latest.get(tp), wanted));
            }
            plan.put(tp, target);
        }
        if (execute) {
            commit(groupId, topic, plan);
        }
        return plan;
    }

    /** An administrative commit: no member id, so the coordinator refuses it while the group has members. */
    private void commit(String groupId, String topic, Map<TopicPartition, Long> offsets) {
        OffsetCommitTopic.Builder commitTopic = OffsetCommitTopic.newBuilder().setTopic(topic);
        offsets.forEach((tp, offset) -> commitTopic.addPartitions(OffsetCommitPartition.newBuilder()
            .setPartition(tp.partition()).setOffset(offset)));
        OffsetCommitRequest request = OffsetCommitRequest.newBuilder().setGroupId(groupId).setMemberEpoch(-1)
            .addTopics(commitTopic).build();
        withCoordinator(groupId, "OffsetCommit", stub -> {
            OffsetCommitResponse r = stub.offsetCommit(request);
            checkRetriable(r.getError(), r.getErrorMessage());
            if (r.getError() == ErrorCode.NON_EMPTY_GROUP) {
                throw new AdminException(ErrorCode.NON_EMPTY_GROUP, "group '" + groupId
                    + "' has active members; stop its consumers before resetting its offsets");
            }
            if (r.getError() != ErrorCode.NONE) {
                throw new AdminException(r.getError(), "commit offsets for group '" + groupId + "': " + r.getErrorMessage());
            }
            List<String> failed = new ArrayList<>();
            ErrorCode first = null;
            boolean onlyUnknown = true;
            for (OffsetCommitTopicResponse tr : r.getTopicsList()) {
                for (OffsetCommitPartitionResponse pr : tr.getPartitionsList()) {
                    if (pr.getError() != ErrorCode.NONE) {
                        first = first == null ? pr.getError() : first;
                        onlyUnknown &= pr.getError() == ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
                        failed.add(tr.getTopic() + "-" + pr.getPartition() + " " + pr.getError()
                            + (pr.getErrorMessage().isEmpty() ? "" : " (" + pr.getErrorMessage() + ")"));
                    }
                }
            }
            if (first != null && onlyUnknown) {
                // Our metadata showed the topic, so the coordinator's view lags (a topic just
                // created); committing the same offsets again is harmless.
                throw new Retriable(first, String.join(", ", failed));
            }
            if (first != null) {
                throw new AdminException(first, "commit offsets for group '" + groupId + "' failed for " + String.join(", ", failed));
            }
            return null;
        });
    }

    /**
     * Per partition, the offset ListOffsets gives for {@code timestamp}, asking each leader once.
     * {@code lenient}: a partition that cannot be read (its topic deleted, no leader, the leader
     * unreachable) maps to -1 instead of failing the call, so one bad partition does not hide a
     * group's whole description.
     */
    private Map<TopicPartition, Long> listOffsets(Set<TopicPartition> tps, long timestamp, boolean lenient) {
        Map<TopicPartition, Long> out = new HashMap<>();
        if (tps.isEmpty()) {
            return out;
        }
        List<String> topics = tps.stream().map(TopicPartition::topic).distinct().sorted().toList();
        MetadataResponse md = bootstrap.metadata(topics);
        Map<Integer, BrokerInfo> brokers = md.getBrokersList().stream().collect(Collectors.toMap(BrokerInfo::getId, b -> b));
        Map<String, TopicMetadata> byName = md.getTopicsList().stream().collect(Collectors.toMap(TopicMetadata::getName, t -> t));
        Map<Integer, Map<String, List<Integer>>> byLeader = new TreeMap<>();
        for (TopicPartition tp : tps) {
            TopicMetadata t = byName.get(tp.topic());
            PartitionMetadata p = t == null || t.getError() != ErrorCode.NONE ? null : t.getPartitionsList().stream()
                .filter(x -> x.getPartition() == tp.partition()).findFirst().orElse(null);
            BrokerInfo leader = p == null ? null : brokers.get(p.getLeaderId());
            if (leader == null) {
                if (!lenient) {
                    throw new AdminException(p == null ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.LEADER_NOT_AVAILABLE,
                        tp + (p == null ? " does not exist" : " has no leader"));
                }
                out.put(tp, -1L);
                continue;
            }
            byLeader.computeIfAbsent(leader.getId(), id -> new TreeMap<>())
                .computeIfAbsent(tp.topic(), x -> new ArrayList<>()).add(tp.partition());
        }
        byLeader.forEach((leaderId, partitions) -> {
            ListOffsetsRequest.Builder request = ListOffsetsRequest.newBuilder();
            partitions.forEach((topic, ps) -> request.addTopics(ListOffsetsTopic.newBuilder().setTopic(topic)
                .addAllPartitions(ps.stream().map(p -> ListOffsetsPartition.newBuilder().setPartition(p)
                    .setTimestamp(timestamp).build()).toList())));
            BrokerInfo leader = brokers.get(leaderId);
            List<ListOffsetsTopicResponse> answer;
            try {
                answer = BrokerGrpc.newBlockingStub(bootstrap.channel(leader)).withDeadlineAfter(RPC_DEADLINE_S, TimeUnit.SECONDS)
                    .listOffsets(request.build()).getTopicsList();
            } catch (StatusRuntimeException e) {
                if (!lenient) {
                    throw new AdminException(ErrorCode.LEADER_NOT_AVAILABLE, "leader " + leaderId + " at " + leader.getHost()
                        + ":" + leader.getPort() + " did not answer ListOffsets: " + e.getStatus());
                }
                partitions.forEach((topic, ps) -> ps.forEach(p -> out.put(new TopicPartition(topic, p), -1L)));
                return;
            }
            for (ListOffsetsTopicResponse tr : answer) {
                for (ListOffsetsPartitionResponse pr : tr.getPartitionsList()) {
                    TopicPartition tp = new TopicPartition(tr.getTopic(), pr.getPartition());
                    if (pr.getError() != ErrorCode.NONE && !lenient) {
                        throw new AdminException(pr.getError(), "ListOffsets for " + tp + " on broker " + leaderId);
                    }
                    out.put(tp, pr.getError() == ErrorCode.NONE ? pr.getOffset() : -1L);
                }
            }
        });
        if (!lenient && !out.keySet().containsAll(tps)) {
            throw new AdminException(ErrorCode.UNKNOWN_SERVER_ERROR, "ListOffsets left out partitions of " + tps);
        }
        return out;
    }

    /**
     * Runs {@code call} against the group's coordinator, finding it again and retrying with a
     * growing backoff while the coordinator is missing, moving or loading (for up to
     * {@link #COORDINATOR_WAIT}). {@code call} signals those states, or others worth retrying, by
     * throwing {@link Retriable} (see {@link #checkRetriable}).
     */
    private <T> T withCoordinator(String groupId, String rpc, Function<GroupGrpc.GroupBlockingStub, T> call) {
        long deadline = System.nanoTime() + COORDINATOR_WAIT.toNanos();
        long backoffMs = 50;
        while (true) {
            ErrorCode code;
            String why;
            try {
                BrokerInfo coordinator = findCoordinator(groupId);
                return call.apply(GroupGrpc.newBlockingStub(bootstrap.channel(coordinator))
                    .withDeadlineAfter(RPC_DEADLINE_S, TimeUnit.SECONDS));
            } catch (Retriable e) {
                code = e.code;
                why = e.getMessage();
            } catch (StatusRuntimeException e) {
                Status.Code s = e.getStatus().getCode();
                if (s != Status.Code.UNAVAILABLE && s != Status.Code.DEADLINE_EXCEEDED) {
                    throw e;
                }
                // The coordinator we were told of stopped (or is stopping); another will take over.
                code = ErrorCode.COORDINATOR_NOT_AVAILABLE;
                why = e.getStatus().toString();
            }
            if (System.nanoTime() >= deadline) {
                throw new AdminException(code, rpc + " for group '" + groupId + "' did not succeed within "
                    + COORDINATOR_WAIT.toSeconds() + " s; last error: " + why);
            }
            try {
                Thread.sleep(backoffMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AdminException(code, "interrupted while waiting for the coordinator of group '" + groupId
                    + "'; last error: " + why);
            }
            backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
        }
    }

    void deleteGroup(String groupId) {
        requireGroupId(groupId);
        DeleteGroupResult r = withCoordinator(groupId, "DeleteGroups", stub -> {
            DeleteGroupResult one = stub.deleteGroups(DeleteGroupsRequest.newBuilder().addGroupIds(groupId).build()).getResults(0);
            checkRetriable(one.getError(), one.getErrorMessage());
            return one;
        });
        if (r.getError() != ErrorCode.NONE) {
            throw new AdminException(r.getError(), r.getErrorMessage());
        }
    }

    private BrokerInfo findCoordinator(String groupId) {
        FindCoordinatorResponse r = GroupGrpc.newBlockingStub(bootstrap.anyChannel()).withDeadlineAfter(RPC_DEADLINE_S, TimeUnit.SECONDS)
            .findCoordinator(FindCoordinatorRequest.newBuilder().setGroupId(groupId).build());
        checkRetriable(r.getError(), r.getErrorMessage());
        if (r.getError() != ErrorCode.NONE) {
            throw new AdminException(r.getError(), "find coordinator for group '" + groupId + "': " + r.getErrorMessage());
        }
        return r.getCoordinator();
    }

    private static void checkRetriable(ErrorCode code, String message) {
        if (RETRIABLE.contains(code)) {
            throw new Retriable(code, message);
        }
    }

    private static void requireGroupId(String groupId) {
        if (groupId == null || groupId.isBlank()) {
            throw new IllegalArgumentException("group id must not be empty");
        }
    }

    private static List<TopicPartition> partitions(List<TopicPartitions> list) {
        Set<TopicPartition> out = new TreeSet<>(BY_TOPIC_PARTITION);
        list.forEach(t -> t.getPartitionsList().forEach(p -> out.add(new TopicPartition(t.getTopic(), p))));
        return List.copyOf(out);
    }

    /** An error worth retrying, caught by {@link #withCoordinator}; never leaves this class. */
    private static final class Retriable extends RuntimeException {
        private final ErrorCode code;

        Retriable(ErrorCode code, String message) {
            super(code + (message.isEmpty() ? "" : ": " + message), null, false, false);
            this.code = code;
        }
    }
}
