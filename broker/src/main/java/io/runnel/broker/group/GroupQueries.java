package io.runnel.broker.group;

import io.runnel.proto.v1.DescribeGroupsRequest;
import io.runnel.proto.v1.DescribeGroupsResponse;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.GroupDescription;
import io.runnel.proto.v1.GroupListing;
import io.runnel.proto.v1.GroupMemberDescription;
import io.runnel.proto.v1.ListGroupsResponse;

/** List and describe the groups a coordinator holds. */
public final class GroupQueries {
    private final GroupCoordinator coordinator;

    public GroupQueries(GroupCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    /** Every group of the loaded shards of this broker. */
    public ListGroupsResponse list() {
        ListGroupsResponse.Builder out = ListGroupsResponse.newBuilder().setBrokerId(coordinator.brokerId());
        for (CoordinatorShard shard : coordinator.shards.values()) {
            synchronized (shard) {
                if (shard.closed) {
                    continue;
                }
                if (!shard.loaded) {
                    out.setError(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
                    continue;
                }
                shard.groups.values().stream().sorted(java.util.Comparator.comparing(g -> g.id)).forEach(g -> out.addGroups(
                    GroupListing.newBuilder().setGroupId(g.id).setState(g.state()).setMembers(g.members.size())));
            }
        }
        return out.build();
    }

    /** Members, assignments and offsets; a group this broker does not hold gets an error entry. */
    public DescribeGroupsResponse describe(DescribeGroupsRequest request) {
        DescribeGroupsResponse.Builder out = DescribeGroupsResponse.newBuilder();
        for (String id : request.getGroupIdsList()) {
            GroupCoordinator.Lookup lookup = coordinator.shardFor(id);
            GroupDescription.Builder d = GroupDescription.newBuilder().setGroupId(id).setCoordinatorId(coordinator.brokerId());
            if (lookup.shard() == null) {
                out.addGroups(d.setError(lookup.error()).setErrorMessage(lookup.message()));
                continue;
            }
            synchronized (lookup.shard()) {
                ConsumerGroup g = lookup.shard().groups.get(id);
                if (g == null) {
                    out.addGroups(d.setError(ErrorCode.GROUP_ID_NOT_FOUND).setErrorMessage("group '" + id + "' does not exist"));
                    continue;
                }
                d.setState(g.state()).setGroupEpoch(g.epoch).setAssignor(g.assignor);
                for (GroupMember m : g.members.values()) {
                    d.addMembers(GroupMemberDescription.newBuilder().setMemberId(m.id).setClientId(m.clientId)
                        .setMemberEpoch(m.epoch).addAllSubscribedTopics(m.topics).setSubscribedTopicRegex(m.regex)
                        .addAllAssignment(GroupRecords.toProto(m.assigned)).addAllRevoking(GroupRecords.toProto(m.revoking))
                        .addAllTarget(GroupRecords.toProto(g.target(m.id))));
                }
                g.offsets.entrySet().stream().sorted(java.util.Map.Entry.comparingByKey(GroupRecords.ORDER))
                    .forEach(e -> d.addOffsets(GroupOffsets.committed(e.getKey(), e.getValue())));
                out.addGroups(d);
            }
        }
        return out.build();
    }
}
