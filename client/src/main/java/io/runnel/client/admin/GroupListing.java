package io.runnel.client.admin;

/**
 * A consumer group as {@link RunnelAdmin#listGroups()} reports it.
 *
 * @param groupId the group
 * @param state EMPTY (no members), RECONCILING (partitions moving between members) or STABLE
 * @param members how many members the group has
 * @param coordinatorId the broker coordinating the group (the one that listed it)
 */
public record GroupListing(String groupId, String state, int members, int coordinatorId) {
}
