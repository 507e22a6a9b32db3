package io.runnel.broker.group;

/**
 * The broker's consumer-group settings.
 *
 * @param offsetsTopicPartitions   {@code offsets.topic.num.partitions}: partitions of
 *                                 {@code __consumer_offsets}, fixed once the topic exists
 * @param offsetsTopicReplication  {@code offsets.topic.replication.factor}: at most this many
 *                                 replicas (fewer if fewer brokers are live at creation)
 * @param offsetsRetentionMs       {@code offsets.retention.ms}: how long an empty group keeps its
 *                                 committed offsets
 * @param sessionTimeoutMs         {@code group.session.timeout.ms}: a member's session when it
 *                                 does not ask for one
 * @param minSessionTimeoutMs      {@code group.min.session.timeout.ms}
 * @param maxSessionTimeoutMs      {@code group.max.session.timeout.ms}
 * @param heartbeatIntervalMs      {@code group.heartbeat.interval.ms}: how often members heartbeat
 * @param offsetsTopicSegmentBytes {@code offsets.topic.segment.bytes}: segment size of the offsets
 *                                 topic; smaller segments are compacted sooner
 */
public record GroupSettings(int offsetsTopicPartitions, int offsetsTopicReplication, long offsetsRetentionMs,
                            int sessionTimeoutMs, int minSessionTimeoutMs, int maxSessionTimeoutMs, int heartbeatIntervalMs,
                            int offsetsTopicSegmentBytes) {
    /** One of the controller's internal topics: clients cannot write, delete or grow it. */
    public static final String OFFSETS_TOPIC = io.runnel.metadata.controller.ControllerLogic.OFFSETS_TOPIC;

    public static final GroupSettings DEFAULTS = new GroupSettings(16, 3, 7L * 24 * 3600 * 1000, 10_000, 2000, 300_000, 1000,
        100 << 20);

    public GroupSettings {
        if (offsetsTopicPartitions < 1 || offsetsTopicReplication < 1) {
            throw new IllegalArgumentException("offsets topic partitions and replication must be >= 1, got "
                + offsetsTopicPartitions + " and " + offsetsTopicReplication);
        }
        if (minSessionTimeoutMs < 1 || minSessionTimeoutMs > sessionTimeoutMs || sessionTimeoutMs > maxSessionTimeoutMs) {
            throw new IllegalArgumentException("session timeouts must satisfy 1 <= min (" + minSessionTimeoutMs
                + ") <= default (" + sessionTimeoutMs + ") <= max (" + maxSessionTimeoutMs + ")");
        }
        if (heartbeatIntervalMs < 1 || heartbeatIntervalMs >= minSessionTimeoutMs) {
            throw new IllegalArgumentException("group.heartbeat.interval.ms (" + heartbeatIntervalMs
                + ") must be >= 1 and below group.min.session.timeout.ms (" + minSessionTimeoutMs + ")");
        }
        if (offsetsTopicSegmentBytes < 1024) {
            throw new IllegalArgumentException("offsets.topic.segment.bytes must be >= 1024, got " + offsetsTopicSegmentBytes);
        }
        if (offsetsRetentionMs < 1) {
            throw new IllegalArgumentException("offsets.retention.ms must be >= 1, got " + offsetsRetentionMs);
        }
    }
}
