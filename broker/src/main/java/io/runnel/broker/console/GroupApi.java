package io.runnel.broker.console;

import io.grpc.StatusRuntimeException;
import io.runnel.metadata.image.BrokerInfo;
import io.runnel.metadata.image.TopicInfo;
import io.runnel.proto.v1.CommittedOffset;
import io.runnel.proto.v1.DescribeGroupsRequest;
import io.runnel.proto.v1.DescribeGroupsResponse;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.FindCoordinatorRequest;
import io.runnel.proto.v1.FindCoordinatorResponse;
import io.runnel.proto.v1.GroupDescription;
import io.runnel.proto.v1.GroupListing;
import io.runnel.proto.v1.GroupMemberDescription;
import io.runnel.proto.v1.ListGroupsRequest;
import io.runnel.proto.v1.ListGroupsResponse;
import io.runnel.proto.v1.TopicPartitions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Consumer groups through the Group API, as {@code runnel group list/describe} reads them: every
 * live broker's ListGroups, a group's coordinator's DescribeGroups, and lag as the leaders' latest
 * offset (ListOffsets) minus the committed offset, for every partition with a commit or an owner.
 */
final class GroupApi {
    private final ClusterApi cluster;

    GroupApi(ClusterApi cluster) {
        this.cluster = cluster;
    }

    /** @param coordinator the broker that listed it */
    record GroupSummary(String groupId, String state, int members, int coordinator) {
    }

    /** @param assignment owned partitions as {@code topic-partition} */
    record MemberView(String memberId, String clientId, int epoch, List<String> assignment) {
    }

    /** @param committed -1 when nothing is committed; @param logEnd -1 when unknown */
    record LagRow(String topic, int partition, long committed, long logEnd, String memberId) {
        /** As {@code runnel group describe}: -1 when either offset is unknown, not clamped at 0. */
        long lag() {
            return committed < 0 || logEnd < 0 ? -1 : logEnd - committed;
        }
    }

    record GroupView(String groupId, String state, int epoch, String assignor, int coordinator, List<MemberView> members,
                     List<LagRow> partitions) {
    }

    /** Every group of every live broker; a broker that does not answer is named in {@code failures}. */
    List<GroupSummary> list(List<String> failures) {
        Map<String, GroupSummary> out = new TreeMap<>();
        for (BrokerInfo b : cluster.liveBrokers()) {
            try {
                ListGroupsResponse r = cluster.group(b.id()).listGroups(ListGroupsRequest.getDefaultInstance());
                if (r.getError() != ErrorCode.NONE) {
                    failures.add("broker " + b.id() + ": " + r.getError() + " (still loading groups; the list may be incomplete)");
                }
                for (GroupListing g : r.getGroupsList()) {
                    out.putIfAbsent(g.getGroupId(), new GroupSummary(g.getGroupId(), g.getState(), g.getMembers(), r.getBrokerId()));
                }
            } catch (StatusRuntimeException e) {
                failures.add("broker " + b.id() + " did not answer ListGroups: " + e.getStatus().getCode());
            }
        }
        return List.copyOf(out.values());
    }

    GroupView describe(String groupId) {
        GroupDescription g;
        try {
            FindCoordinatorResponse found = cluster.group(cluster.anyLiveBroker())
                .findCoordinator(FindCoordinatorRequest.newBuilder().setGroupId(groupId).build());
            if (found.getError() != ErrorCode.NONE) {
                throw ConsoleError.unavailable("no coordinator for group '" + groupId + "' yet: " + found.getError()
                    + " (reload in a moment)");
            }
            DescribeGroupsResponse r = cluster.group(found.getCoordinator().getId())
                .describeGroups(DescribeGroupsRequest.newBuilder().addGroupIds(groupId).build());
            g = r.getGroups(0);
        } catch (StatusRuntimeException e) {
            throw ConsoleError.unavailable("the coordinator of group '" + groupId + "' did not answer: " + e.getStatus());
        }
        if (g.getError() == ErrorCode.GROUP_ID_NOT_FOUND) {
            throw ConsoleError.notFound("group '" + groupId + "' does not exist");
        }
        if (g.getError() != ErrorCode.NONE) {
            throw ConsoleError.unavailable("describe group '" + groupId + "': " + g.getError() + " " + g.getErrorMessage());
        }
        List<MemberView> members = new ArrayList<>();
        Map<String, String> owners = new HashMap<>();
        for (GroupMemberDescription m : g.getMembersList()) {
            List<String> owned = names(m.getAssignmentList());
            names(m.getRevokingList()).forEach(tp -> owners.putIfAbsent(tp, m.getMemberId()));
            owned.forEach(tp -> owners.put(tp, m.getMemberId()));
            members.add(new MemberView(m.getMemberId(), m.getClientId(), m.getMemberEpoch(), owned));
        }
        members.sort(Comparator.comparing(MemberView::memberId));
        Map<String, Map<Integer, Long>> committed = new TreeMap<>();
        for (CommittedOffset o : g.getOffsetsList()) {
            committed.computeIfAbsent(o.getTopic(), t -> new TreeMap<>()).put(o.getPartition(), o.getOffset());
        }
        for (GroupMemberDescription m : g.getMembersList()) {
            for (TopicPartitions tps : m.getAssignmentList()) {
                tps.getPartitionsList().forEach(p -> committed.computeIfAbsent(tps.getTopic(), t -> new TreeMap<>())
                    .putIfAbsent(p, -1L));
            }
        }
        List<LagRow> rows = new ArrayList<>();
        committed.forEach((topic, partitions) -> {
            TopicInfo t = cluster.image().topics().get(topic);
            Map<Integer, Long> ends = t == null ? Map.of() : cluster.offsets(t, ClusterApi.LATEST);
            partitions.forEach((p, offset) -> rows.add(new LagRow(topic, p, offset, ends.getOrDefault(p, -1L),
                owners.getOrDefault(topic + "-" + p, ""))));
        });
        return new GroupView(g.getGroupId(), g.getState(), g.getGroupEpoch(), g.getAssignor(), g.getCoordinatorId(),
            List.copyOf(members), List.copyOf(rows));
    }

    private static List<String> names(List<TopicPartitions> list) {
        List<String> out = new ArrayList<>();
        list.forEach(tps -> tps.getPartitionsList().forEach(p -> out.add(tps.getTopic() + "-" + p)));
        return out;
    }
}
