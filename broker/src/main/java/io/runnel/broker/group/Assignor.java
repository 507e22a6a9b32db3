package io.runnel.broker.group;

import io.runnel.broker.partition.TopicPartition;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Splits the partitions of the topics a group subscribes to among its members, each partition to
 * exactly one subscribed member. The group coordinator runs it (server-side assignment, as in
 * Kafka's KIP-848), so clients in any language only heartbeat and receive partitions.
 * Implementations are deterministic: the same input gives the same assignment.
 */
public interface Assignor {
    /** The name a group configures: {@code range}, {@code roundrobin}, {@code sticky}. */
    String name();

    /**
     * @param subscriptions member id to the topics it subscribes to
     * @param partitions    topic to its partition count (topics that do not exist are absent)
     * @param current       what each member owns now (ignored by assignors that do not use it)
     * @return every member id of {@code subscriptions} to its partitions (possibly none)
     */
    Map<String, List<TopicPartition>> assign(Map<String, Set<String>> subscriptions, Map<String, Integer> partitions,
                                             Map<String, List<TopicPartition>> current);

    /**
     * The assignor with this name.
     *
     * @throws IllegalArgumentException naming the known assignors
     */
    static Assignor forName(String name) {
        return switch (name) {
            case "range" -> new RangeAssignor();
            case "roundrobin" -> new RoundRobinAssignor();
            case "sticky" -> new StickyAssignor();
            default -> throw new IllegalArgumentException("unknown assignor '" + name + "': expected range, roundrobin or sticky");
        };
    }
}
