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
 * @param maxPollIntervalMs    {@code max.poll.interval.ms}: a consumer whose application has not called
 *                             poll for this long leaves the group, so a stuck loop does not hold its
 *                             partitions while its heartbeat thread keeps the session alive
 */
public record GroupConfig(String groupId, String assignor, int sessionTimeoutMs, boolean enableAutoCommit,
                          long autoCommitIntervalMs, String clientId, long maxPollIntervalMs) {
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
        if (maxPollIntervalMs < 1) {
            throw new IllegalArgumentException("max.poll.interval.ms must be >= 1, got " + maxPollIntervalMs);
        }
        if (autoCommitIntervalMs < 1) {
            throw new IllegalArgumentException("auto.commit.interval.ms must be >= 1, got " + autoCommitIntervalMs);
        }
    }

    /** Range assignment, 10 s sessions, auto commit every 5 s, 5 min between polls (Kafka's defaults, but the session). */
    public static GroupConfig of(String groupId) {
        return new GroupConfig(groupId, "range", 10_000, true, 5000, "runnel-consumer", 300_000);
    }

    public GroupConfig withMaxPollIntervalMs(long ms) {
        return new GroupConfig(groupId, assignor, sessionTimeoutMs, enableAutoCommit, autoCommitIntervalMs, clientId, ms);
    }

    public GroupConfig withAssignor(String name) {
        return new GroupConfig(groupId, name, sessionTimeoutMs, enableAutoCommit, autoCommitIntervalMs, clientId, maxPollIntervalMs);
    }

    public GroupConfig withSessionTimeoutMs(int ms) {
        return new GroupConfig(groupId, assignor, ms, enableAutoCommit, autoCommitIntervalMs, clientId, maxPollIntervalMs);
    }

    public GroupConfig withAutoCommit(boolean enabled, long intervalMs) {
        return new GroupConfig(groupId, assignor, sessionTimeoutMs, enabled, intervalMs, clientId, maxPollIntervalMs);
    }

    public GroupConfig withClientId(String id) {
        return new GroupConfig(groupId, assignor, sessionTimeoutMs, enableAutoCommit, autoCommitIntervalMs, id, maxPollIntervalMs);
    }
}
