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
 * @param maxSize                  {@code group.max.size}: members one group may have; a join past it
 *                                 is refused with GROUP_MAX_SIZE_REACHED
 * @param maxRegexLength           {@code group.subscription.regex.max.length}: characters of a
 *                                 subscription's regular expression
 * @param offsetsCommitTimeoutMs   {@code offsets.commit.timeout.ms} (Kafka's name and default): how
 *                                 long a group write (an offset commit, a join's or heartbeat's
 *                                 group records, a deletion) waits for the offsets partition's ISR
 *                                 before it is answered COORDINATOR_NOT_AVAILABLE (retriable)
 */
public record GroupSettings(int offsetsTopicPartitions, int offsetsTopicReplication, long offsetsRetentionMs,
                            int sessionTimeoutMs, int minSessionTimeoutMs, int maxSessionTimeoutMs, int heartbeatIntervalMs,
                            int offsetsTopicSegmentBytes, int maxSize, int maxRegexLength, int offsetsCommitTimeoutMs) {
    /** One of the controller's internal topics: clients cannot write, delete or grow it. */
    public static final String OFFSETS_TOPIC = io.runnel.metadata.controller.ControllerLogic.OFFSETS_TOPIC;

    public static final String MAX_SIZE = "group.max.size";
    public static final String MAX_REGEX_LENGTH = SubscriptionRegex.MAX_LENGTH;
    public static final String OFFSETS_COMMIT_TIMEOUT_MS = "offsets.commit.timeout.ms";

    public static final GroupSettings DEFAULTS = new GroupSettings(16, 3, 7L * 24 * 3600 * 1000, 10_000, 2000, 300_000, 1000,
        100 << 20, 1000, 1000, 5000);

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
        if (maxSize < 1) {
            throw new IllegalArgumentException(MAX_SIZE + " must be >= 1, got " + maxSize);
        }
        if (maxRegexLength < 1) {
            throw new IllegalArgumentException(MAX_REGEX_LENGTH + " must be >= 1, got " + maxRegexLength);
        }
        if (offsetsCommitTimeoutMs < 1) {
            throw new IllegalArgumentException(OFFSETS_COMMIT_TIMEOUT_MS + " must be >= 1, got " + offsetsCommitTimeoutMs);
        }
        if (offsetsRetentionMs < 1) {
            throw new IllegalArgumentException("offsets.retention.ms must be >= 1, got " + offsetsRetentionMs);
        }
    }
}
