package io.runnel.broker.config;

import static io.runnel.broker.config.SettingValues.bool;
import static io.runnel.broker.config.SettingValues.intIn;

import io.runnel.metadata.controller.LeaderRebalancer;
import java.util.List;
import java.util.Map;

/**
 * The node settings of the active controller's automatic preferred-leader rebalance (Kafka's names
 * and defaults), read into a {@link LeaderRebalancer.Settings}.
 */
final class RebalanceKeys {
    /** Whether the active controller moves leadership back to preferred replicas by itself (default true). */
    static final String AUTO_LEADER_REBALANCE_ENABLE = "auto.leader.rebalance.enable";
    /** How often the active controller checks the leader imbalance, in seconds (default 300). */
    static final String LEADER_IMBALANCE_CHECK_INTERVAL_SECONDS = "leader.imbalance.check.interval.seconds";
    /** A broker not leading more than this % of the partitions it is preferred for is rebalanced (default 10). */
    static final String LEADER_IMBALANCE_PER_BROKER_PERCENTAGE = "leader.imbalance.per.broker.percentage";
    static final List<String> KEYS = List.of(AUTO_LEADER_REBALANCE_ENABLE, LEADER_IMBALANCE_CHECK_INTERVAL_SECONDS,
        LEADER_IMBALANCE_PER_BROKER_PERCENTAGE);
    private static final LeaderRebalancer.Settings DEFAULTS = new LeaderRebalancer.Settings(true, 300_000, 10);

    private RebalanceKeys() {
    }

    /** The keys above over the defaults; with a problem, the defaults (the problem is reported). */
    static LeaderRebalancer.Settings parse(Map<String, String> settings, List<String> problems) {
        int before = problems.size();
        boolean enabled = bool(settings, AUTO_LEADER_REBALANCE_ENABLE, "true", problems);
        int interval = intIn(settings, LEADER_IMBALANCE_CHECK_INTERVAL_SECONDS, 1, Integer.MAX_VALUE, problems, "300");
        int percentage = intIn(settings, LEADER_IMBALANCE_PER_BROKER_PERCENTAGE, 0, 100, problems, "10");
        return SettingValues.built(problems, before, DEFAULTS,
            () -> new LeaderRebalancer.Settings(enabled, interval * 1000L, percentage));
    }
}
