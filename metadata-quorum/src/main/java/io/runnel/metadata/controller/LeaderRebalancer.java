package io.runnel.metadata.controller;

import io.runnel.metadata.quorum.MetadataStateMachine;
import io.runnel.metadata.quorum.QuorumServer;
import java.io.Closeable;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Automatic leader rebalance (Kafka's {@code auto.leader.rebalance.enable}): while this node is
 * the active controller, every {@code leader.imbalance.check.interval.seconds} it elects the
 * preferred replicas of the brokers whose share of not-led preferred partitions is above
 * {@code leader.imbalance.per.broker.percentage} ({@link PreferredLeaders#imbalanced}). So after
 * a rolling restart, when the last restarted broker leads nothing, leadership goes back to where
 * placement put it without an operator.
 *
 * <p>Thread-safety: leadership callbacks and checks run on the controller's scheduler; the task
 * handle is volatile.
 */
public final class LeaderRebalancer implements MetadataStateMachine.Listener, Closeable {
    private static final Logger log = LoggerFactory.getLogger(LeaderRebalancer.class);

    /** The three settings, named as Kafka names them. */
    public record Settings(boolean enabled, long checkIntervalMs, int imbalancePercentage) {
        public Settings {
            if (checkIntervalMs < 1) {
                throw new IllegalArgumentException("leader imbalance check interval must be >= 1 ms, got " + checkIntervalMs);
            }
            if (imbalancePercentage < 0 || imbalancePercentage > 100) {
                throw new IllegalArgumentException("leader imbalance percentage must be 0..100, got " + imbalancePercentage);
            }
        }
    }

    private final QuorumServer quorum;
    private final QuorumController controller;
    private final ScheduledExecutorService scheduler;
    private final Settings settings;
    private volatile ScheduledFuture<?> checks;

    /** Listens to the quorum's leadership from now on; checks run on {@code scheduler}. */
    public LeaderRebalancer(QuorumServer quorum, QuorumController controller, ScheduledExecutorService scheduler, Settings settings) {
        this.quorum = quorum;
        this.controller = controller;
        this.scheduler = scheduler;
        this.settings = settings;
        if (settings.enabled()) {
            quorum.stateMachine().addListener(this);
            if (quorum.isActiveController()) {
                onLeaderReady();
            }
        }
    }

    @Override
    public synchronized void onLeaderReady() {
        if (checks == null || checks.isDone()) {
            checks = scheduler.scheduleWithFixedDelay(this::check, settings.checkIntervalMs(), settings.checkIntervalMs(),
                TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public synchronized void onNotLeader() {
        ScheduledFuture<?> task = checks;
        if (task != null) {
            task.cancel(false);
        }
    }

    /** One check: elects the preferred replicas of every imbalanced broker. */
    void check() {
        if (!quorum.isActiveController()) {
            return;
        }
        Map<String, Set<Integer>> partitions = PreferredLeaders.imbalanced(controller.image(), settings.imbalancePercentage());
        if (partitions.isEmpty()) {
            return;
        }
        controller.electPreferredLeaders(partitions).whenComplete((election, error) -> {
            if (error != null) {
                log.warn("Automatic leader rebalance failed: {}", error.toString());
            } else if (election.moved() > 0) {
                log.info("Automatic leader rebalance moved {} partition(s) back to their preferred replicas", election.moved());
            }
        });
    }

    @Override
    public void close() {
        onNotLeader();
    }
}
