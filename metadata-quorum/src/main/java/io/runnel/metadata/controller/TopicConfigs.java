package io.runnel.metadata.controller;

import io.runnel.proto.v1.ErrorCode;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The topic-level settings a topic may override, and what each accepts. The controller refuses a
 * topic or config change with any other key or a bad value, naming it (INVALID_CONFIG).
 */
public final class TopicConfigs {
    private TopicConfigs() {
    }

    private static final Predicate<String> LONG_AT_LEAST_MINUS_ONE = v -> parses(v) && Long.parseLong(v) >= -1;
    private static final Predicate<String> POSITIVE_INT = v -> parses(v) && Long.parseLong(v) >= 1 && Long.parseLong(v) <= Integer.MAX_VALUE;
    private static final Predicate<String> POSITIVE_LONG = v -> parses(v) && Long.parseLong(v) >= 1;
    private static final Predicate<String> BOOLEAN = v -> v.equals("true") || v.equals("false");

    private static final Map<String, Predicate<String>> RULES = Map.ofEntries(
        Map.entry("segment.bytes", v -> POSITIVE_INT.test(v) && Long.parseLong(v) >= 1024),
        Map.entry("segment.ms", POSITIVE_LONG),
        Map.entry("retention.ms", LONG_AT_LEAST_MINUS_ONE),
        Map.entry("retention.bytes", LONG_AT_LEAST_MINUS_ONE),
        Map.entry("index.interval.bytes", v -> parses(v) && Long.parseLong(v) >= 0 && Long.parseLong(v) <= Integer.MAX_VALUE),
        Map.entry("segment.index.bytes", v -> POSITIVE_INT.test(v) && Long.parseLong(v) >= 48),
        Map.entry("flush.policy", v -> v.equals("sync") || v.equals("async")),
        Map.entry("flush.interval.ms", POSITIVE_LONG),
        Map.entry("flush.interval.bytes", POSITIVE_LONG),
        Map.entry("file.delete.delay.ms", v -> parses(v) && Long.parseLong(v) >= 0),
        Map.entry("min.insync.replicas", POSITIVE_INT),
        Map.entry("max.message.bytes", v -> POSITIVE_INT.test(v) && Long.parseLong(v) >= 64),
        Map.entry("cleanup.policy", v -> Set.of("delete", "compact", "compact,delete", "delete,compact").contains(v.replace(" ", ""))),
        Map.entry("delete.retention.ms", v -> parses(v) && Long.parseLong(v) >= 0),
        Map.entry("decompression.max.batch.bytes", v -> POSITIVE_INT.test(v) && Long.parseLong(v) >= 1024),
        // Accepted only as what brokers do today: batches are stored as producers compressed them.
        // Refusing the rest beats a setting that silently does nothing.
        Map.entry("compression.type", v -> v.equals("producer")),
        Map.entry("unclean.leader.election.enable", BOOLEAN));

    /** Every key a topic may set. */
    public static Set<String> keys() {
        return RULES.keySet();
    }

    /** @throws ControllerException INVALID_CONFIG naming the first bad key or value */
    public static void validate(Map<String, String> configs) {
        for (Map.Entry<String, String> e : configs.entrySet()) {
            Predicate<String> rule = RULES.get(e.getKey());
            if (rule == null) {
                throw new ControllerException(ErrorCode.INVALID_CONFIG, "unknown topic config '" + e.getKey() + "'");
            }
            if (e.getValue() == null || !rule.test(e.getValue().trim())) {
                throw new ControllerException(ErrorCode.INVALID_CONFIG, "bad value '" + e.getValue() + "' for topic config '"
                    + e.getKey() + "'");
            }
        }
    }

    private static boolean parses(String v) {
        try {
            Long.parseLong(v);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
