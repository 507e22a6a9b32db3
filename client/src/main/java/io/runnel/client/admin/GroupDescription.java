package io.runnel.client.admin;

import java.util.List;

/**
 * A consumer group as its coordinator describes it, with the lag of every partition the group
 * has committed an offset for or has assigned to a member.
 *
 * @param groupId the group
 * @param state EMPTY, RECONCILING or STABLE
 * @param groupEpoch bumped by the coordinator whenever membership or subscriptions change
 * @param assignor range, roundrobin or sticky
 * @param coordinatorId the broker coordinating the group
 * @param members the members, sorted by member id
 * @param partitions per partition offsets and lag, sorted by topic then partition
 */
public record GroupDescription(String groupId, String state, int groupEpoch, String assignor, int coordinatorId,
                               List<GroupMember> members, List<PartitionLag> partitions) {
    public GroupDescription {
        members = List.copyOf(members);
        partitions = List.copyOf(partitions);
    }
}
