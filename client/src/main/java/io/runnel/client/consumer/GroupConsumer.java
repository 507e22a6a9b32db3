package io.runnel.client.consumer;

import io.runnel.client.common.Bootstrap;
import io.runnel.client.common.TopicPartition;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The group side of a {@link RunnelConsumer}: subscription, the rebalance steps carried out in
 * poll, auto commit, and commits in order on one committer thread (so an older async commit never
 * lands after a newer sync one and moves the group's offsets backwards).
 *
 * <p>Not thread-safe, like the consumer: one thread uses it.
 */
final class GroupConsumer {
    private static final System.Logger LOG = System.getLogger(GroupConsumer.class.getName());

    /** The consumer's partitions and positions, as the group steps change them. */
    interface Positions {
        /** Positions of owned partitions that have one (not waiting for auto.offset.reset). */
        Map<TopicPartition, Long> current();

        Set<TopicPartition> owned();

        void remove(Set<TopicPartition> partitions);

        /** Starts reading these at the given offsets (-1: per auto.offset.reset). */
        void add(Map<TopicPartition, Long> startAt);
    }

    private final GroupConfig config;
    private final GroupMembership membership;
    private final ExecutorService committer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "runnel-consumer-commit");
        t.setDaemon(true);
        return t;
    });
    private RebalanceListener listener = RebalanceListener.NONE;
    private long nextAutoCommitNanos;

    GroupConsumer(Bootstrap bootstrap, GroupConfig config) {
        this.config = config;
        this.membership = new GroupMembership(bootstrap, config);
    }

    boolean subscribed() {
        return membership.subscribed();
    }

    void subscribe(List<String> topics, String regex, RebalanceListener newListener) {
        membership.subscribe(topics, regex);
        this.listener = newListener;
    }

    /** At the start of each poll: liveness, auto commit when due, then the coordinator's changes. */
    void beforePoll(Positions positions) {
        membership.polled();
        if (config.enableAutoCommit() && System.nanoTime() - nextAutoCommitNanos >= 0) {
            nextAutoCommitNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.autoCommitIntervalMs());
            Map<TopicPartition, Long> current = positions.current();
            if (!current.isEmpty()) {
                commitAsync(current);
            }
        }
        rebalance(positions);
    }

    /** Carries out what the coordinator asked: lose, or revoke (committing first), then take partitions. */
    private void rebalance(Positions positions) {
        GroupMembership.Pending pending = membership.pending();
        if (pending.isEmpty()) {
            return;
        }
        if (pending.lost()) {
            positions.remove(positions.owned());
            listener.onPartitionsLost(pending.revoked());
            membership.owned(Set.of());
            return;
        }
        if (!pending.revoked().isEmpty()) {
            if (config.enableAutoCommit()) {
                Map<TopicPartition, Long> offsets = new HashMap<>(positions.current());
                offsets.keySet().retainAll(pending.revoked());
                try {
                    commitSync(offsets, 10_000);
                } catch (CommitFailedException e) {
                    LOG.log(System.Logger.Level.WARNING, "Commit on revocation failed: " + e.getMessage());
                }
            }
            listener.onPartitionsRevoked(pending.revoked());
            positions.remove(pending.revoked());
        }
        if (!pending.added().isEmpty()) {
            Map<TopicPartition, Long> committed = membership.committed(pending.added(), 30_000);
            Map<TopicPartition, Long> startAt = new HashMap<>();
            pending.added().forEach(tp -> startAt.put(tp, committed.getOrDefault(tp, -1L)));
            positions.add(startAt);
            listener.onPartitionsAssigned(pending.added());
        }
        membership.owned(positions.owned());
    }

    /** @throws CommitFailedException if the coordinator refused or did not answer in time */
    void commitSync(Map<TopicPartition, Long> offsets, long timeoutMs) {
        try {
            committer.submit(() -> membership.commit(offsets, timeoutMs)).get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new CommitFailedException(e.getCause().toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CommitFailedException("interrupted while committing");
        }
    }

    void commitAsync(Map<TopicPartition, Long> offsets) {
        committer.execute(() -> {
            try {
                membership.commit(offsets, 10_000);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "Async commit failed: " + e.getMessage());
            }
        });
    }

    Map<TopicPartition, Long> committed(Set<TopicPartition> partitions) {
        return membership.committed(partitions, 30_000);
    }

    /** Commits (with auto commit), lets queued commits land, then leaves the group. */
    void close(Positions positions) {
        if (membership.subscribed() && config.enableAutoCommit() && !positions.current().isEmpty()) {
            try {
                commitSync(positions.current(), 30_000);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "Commit on close failed: " + e.getMessage());
            }
        }
        committer.shutdown();
        try {
            committer.awaitTermination(15, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        membership.close();
    }
}
