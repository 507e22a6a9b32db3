package io.runnel.client.admin;

import io.runnel.proto.v1.ElectPreferredLeadersRequest;
import io.runnel.proto.v1.ElectPreferredLeadersResponse;
import io.runnel.proto.v1.ElectionResult;
import io.runnel.proto.v1.ElectionTopic;
import io.runnel.proto.v1.ErrorCode;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One partition's outcome of {@link RunnelAdmin#electPreferredLeaders}.
 *
 * @param topic     the topic
 * @param partition the partition, or -1 when the topic does not exist
 * @param error     NONE (leadership moved to the preferred replica), ELECTION_NOT_NEEDED (it
 *                  already led), PREFERRED_LEADER_NOT_AVAILABLE (not in the ISR or not live), or
 *                  UNKNOWN_TOPIC_OR_PARTITION
 * @param message   why, for anything but NONE
 * @param leader    the partition's leader afterwards (-1 if unknown)
 */
public record LeaderElection(String topic, int partition, ErrorCode error, String message, int leader) {
    /** Whether this partition's leadership moved. */
    public boolean moved() {
        return error == ErrorCode.NONE;
    }

    /**
     * The request for {@code partitions}: topic to partitions, an empty set for all of a topic's,
     * an empty map for every partition of the cluster.
     *
     * @throws IllegalArgumentException for an empty topic name or a negative partition
     */
    static ElectPreferredLeadersRequest request(Map<String, Set<Integer>> partitions) {
        ElectPreferredLeadersRequest.Builder request = ElectPreferredLeadersRequest.newBuilder();
        partitions.forEach((topic, ps) -> {
            if (topic == null || topic.isEmpty()) {
                throw new IllegalArgumentException("topic name must not be empty");
            }
            ps.stream().filter(p -> p < 0).findFirst().ifPresent(p -> {
                throw new IllegalArgumentException("partition must be >= 0, got " + p + " for topic " + topic);
            });
            request.addTopics(ElectionTopic.newBuilder().setTopic(topic).addAllPartitions(ps));
        });
        return request.build();
    }

    static List<LeaderElection> of(ElectPreferredLeadersResponse response) {
        return response.getResultsList().stream().map(LeaderElection::of).toList();
    }

    private static LeaderElection of(ElectionResult r) {
        return new LeaderElection(r.getTopic(), r.getPartition(), r.getError(), r.getErrorMessage(), r.getLeader());
    }
}
