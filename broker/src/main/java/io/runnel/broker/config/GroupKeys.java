package io.runnel.broker.config;

import static io.runnel.broker.config.SettingValues.intIn;
import static io.runnel.broker.config.SettingValues.longAtLeast;

import io.runnel.broker.group.GroupSettings;
import java.util.List;
import java.util.Map;

/**
 * The node settings of the consumer-group coordinator ({@code offsets.*}, {@code group.*}; Kafka's
 * names), read into a {@link GroupSettings}.
 */
final class GroupKeys {
    static final String OFFSETS_TOPIC_PARTITIONS = "offsets.topic.num.partitions";
    static final String OFFSETS_TOPIC_REPLICATION = "offsets.topic.replication.factor";
    static final String OFFSETS_RETENTION_MS = "offsets.retention.ms";
    static final String OFFSETS_TOPIC_SEGMENT_BYTES = "offsets.topic.segment.bytes";
    static final String GROUP_SESSION_TIMEOUT_MS = "group.session.timeout.ms";
    static final String GROUP_MIN_SESSION_TIMEOUT_MS = "group.min.session.timeout.ms";
    static final String GROUP_MAX_SESSION_TIMEOUT_MS = "group.max.session.timeout.ms";
    static final String GROUP_HEARTBEAT_INTERVAL_MS = "group.heartbeat.interval.ms";
    static final List<String> KEYS = List.of(OFFSETS_TOPIC_PARTITIONS, OFFSETS_TOPIC_REPLICATION, OFFSETS_RETENTION_MS,
        OFFSETS_TOPIC_SEGMENT_BYTES, GROUP_SESSION_TIMEOUT_MS, GROUP_MIN_SESSION_TIMEOUT_MS, GROUP_MAX_SESSION_TIMEOUT_MS,
        GROUP_HEARTBEAT_INTERVAL_MS, GroupSettings.MAX_SIZE, GroupSettings.MAX_REGEX_LENGTH,
        GroupSettings.OFFSETS_COMMIT_TIMEOUT_MS);

    private GroupKeys() {
    }

    /** The keys above over {@link GroupSettings#DEFAULTS}; with a problem, the defaults (the problem is reported). */
    static GroupSettings parse(Map<String, String> settings, List<String> problems) {
        GroupSettings d = GroupSettings.DEFAULTS;
        int before = problems.size();
        int partitions = intIn(settings, OFFSETS_TOPIC_PARTITIONS, 1, 10_000, problems, Integer.toString(d.offsetsTopicPartitions()));
        int replication = intIn(settings, OFFSETS_TOPIC_REPLICATION, 1, 100, problems, Integer.toString(d.offsetsTopicReplication()));
        long retention = longAtLeast(settings, OFFSETS_RETENTION_MS, 1, Long.toString(d.offsetsRetentionMs()), problems);
        int session = intIn(settings, GROUP_SESSION_TIMEOUT_MS, 1, Integer.MAX_VALUE, problems, Integer.toString(d.sessionTimeoutMs()));
        int min = intIn(settings, GROUP_MIN_SESSION_TIMEOUT_MS, 1, Integer.MAX_VALUE, problems, Integer.toString(d.minSessionTimeoutMs()));
        int max = intIn(settings, GROUP_MAX_SESSION_TIMEOUT_MS, 1, Integer.MAX_VALUE, problems, Integer.toString(d.maxSessionTimeoutMs()));
        int heartbeat = intIn(settings, GROUP_HEARTBEAT_INTERVAL_MS, 1, Integer.MAX_VALUE, problems,
            Integer.toString(d.heartbeatIntervalMs()));
        int segment = intIn(settings, OFFSETS_TOPIC_SEGMENT_BYTES, 1024, Integer.MAX_VALUE, problems,
            Integer.toString(d.offsetsTopicSegmentBytes()));
        int maxSize = intIn(settings, GroupSettings.MAX_SIZE, 1, Integer.MAX_VALUE, problems, Integer.toString(d.maxSize()));
        int maxRegex = intIn(settings, GroupSettings.MAX_REGEX_LENGTH, 1, 1_000_000, problems,
            Integer.toString(d.maxRegexLength()));
        int commitTimeout = intIn(settings, GroupSettings.OFFSETS_COMMIT_TIMEOUT_MS, 1, Integer.MAX_VALUE, problems,
            Integer.toString(d.offsetsCommitTimeoutMs()));
        return SettingValues.built(problems, before, d, () -> new GroupSettings(partitions, replication, retention, session,
            min, max, heartbeat, segment, maxSize, maxRegex, commitTimeout));
    }
}
