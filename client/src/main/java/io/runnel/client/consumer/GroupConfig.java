package io.runnel.client.consumer;

/**
 * How a consumer takes part in a group.
 *
 * @param groupId              {@code group.id}: consumers with the same id share partitions
 * @param assignor             {@code range}, {@code roundrobin} or {@code sticky}; the group keeps its
 *                             first member's choice
 * @param sessionTimeoutMs     the coordinator removes the member this long after its last heartbeat
 *                             (must be within the broker's group.min/max.session.timeout.ms)
 * @param enableAutoCommit     commit the positions of returned records every interval, on
 *                             revocation and on close
 * @param autoCommitIntervalMs {@code auto.commit.interval.ms}
 * @param clientId             shown by describe
 */
public record GroupConfig(String groupId, String assignor, int sessionTimeoutMs, boolean enableAutoCommit,
                          long autoCommitIntervalMs, String clientId) {
    public GroupConfig {
        if (groupId == null || groupId.isEmpty()) {
            throw new IllegalArgumentException("group.id must not be empty");
        }
        if (!assignor.equals("range") && !assignor.equals("roundrobin") && !assignor.equals("sticky")) {
            throw new IllegalArgumentException("unknown assignor '" + assignor + "': expected range, roundrobin or sticky");
        }
        if (sessionTimeoutMs < 1) {
            throw new IllegalArgumentException("session.timeout.ms must be >= 1, got " + sessionTimeoutMs);
        }
        if (autoCommitIntervalMs < 1) {
            throw new IllegalArgumentException("auto.commit.interval.ms must be >= 1, got " + autoCommitIntervalMs);
        }
    }

    /** Range assignment, 10 s sessions, auto commit every 5 s (Kafka's defaults, but the session). */
    public static GroupConfig of(String groupId) {
        return new GroupConfig(groupId, "range", 10_000, true, 5000, "runnel-consumer");
    }

    public GroupConfig withAssignor(String name) {
        return new GroupConfig(groupId, name, sessionTimeoutMs, enableAutoCommit, autoCommitIntervalMs, clientId);
    }

    public GroupConfig withSessionTimeoutMs(int ms) {
        return new GroupConfig(groupId, assignor, ms, enableAutoCommit, autoCommitIntervalMs, clientId);
    }

    public GroupConfig withAutoCommit(boolean enabled, long intervalMs) {
        return new GroupConfig(groupId, assignor, sessionTimeoutMs, enabled, intervalMs, clientId);
    }

    public GroupConfig withClientId(String id) {
        return new GroupConfig(groupId, assignor, sessionTimeoutMs, enableAutoCommit, autoCommitIntervalMs, id);
    }
}
