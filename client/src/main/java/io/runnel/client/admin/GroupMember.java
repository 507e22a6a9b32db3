package io.runnel.client.admin;

import io.runnel.client.common.TopicPartition;
import java.util.List;

/**
 * A member of a consumer group, as its coordinator describes it.
 *
 * @param memberId the id the member chose when it joined
 * @param clientId the member's client id (may be empty)
 * @param memberEpoch the epoch the coordinator last gave the member
 * @param subscribedTopics topic names the member subscribed to (empty with a regex subscription)
 * @param subscribedTopicRegex the member's subscription pattern, or empty
 * @param assignment the partitions the member may own now (this and the next two lists are sorted by
 *     topic, then partition)
 * @param revoking partitions taken from the member that it has not yet reported released
 * @param target the coordinator's target assignment, reached once revocations complete
 */
public record GroupMember(String memberId, String clientId, int memberEpoch, List<String> subscribedTopics,
                          String subscribedTopicRegex, List<TopicPartition> assignment, List<TopicPartition> revoking,
                          List<TopicPartition> target) {
    public GroupMember {
        subscribedTopics = List.copyOf(subscribedTopics);
        assignment = List.copyOf(assignment);
        revoking = List.copyOf(revoking);
        target = List.copyOf(target);
    }
}
