package io.runnel.broker.partition;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A leader's ISR changes: proposes shrinking the ISR by followers that fell behind and expanding it
 * by followers that caught up, sends each proposal to the controller (AlterPartition), and settles
 * the {@link Partition}'s maximal ISR on the answer (KIP-497): an addition counts from the moment
 * it is proposed, a removal only once committed; a refused proposal stops counting, an undecided
 * one stays pending and is sent again.
 *
 * <p>Thread-safety: every field is guarded by the partition's {@code leaderIsrLock}; methods say
 * whether they take its write lock or need the caller to hold it.
 */
final class IsrProposer {
    private static final Logger log = LoggerFactory.getLogger(IsrProposer.class);
    private final Partition p;
    private final AlterPartitionSender alterPartition;
    /** An AlterPartition is in flight or its outcome is not known yet. */
    private boolean alterPending;
    /** The ISR proposed by the pending AlterPartition, to send again while undecided. */
    private List<Integer> pendingIsr;
    /** The pending AlterPartition ended undecided and is due to be sent again. */
    private boolean resendPending;
    private final LongAdder isrShrinks = new LongAdder();
    private final LongAdder isrExpands = new LongAdder();

    IsrProposer(Partition partition, AlterPartitionSender alterPartition) {
        this.p = partition;
        this.alterPartition = alterPartition;
    }

    long isrShrinks() {
        return isrShrinks.sum();
    }

    long isrExpands() {
        return isrExpands.sum();
    }

    /** See {@link Partition#maybeShrinkIsr}. Takes the write lock. */
    Set<Integer> maybeShrinkIsr(long lagTimeMaxMs) {
        p.leaderIsrLock.writeLock().lock();
        try {
            if (p.isLeader() && resendPending) {
                // The last proposal's outcome is unknown: ask again (the answer settles it either way).
                submit(pendingIsr);
                return Set.of();
            }
            if (!p.isLeader() || alterPending) {
                return Set.of();
            }
            long now = p.clock.millis();
            Set<Integer> outOfSync = new LinkedHashSet<>();
            for (int replica : p.state.isr()) {
                FollowerState f = p.followers.get(replica);
                if (replica != p.localBrokerId && (f == null || now - f.lastCaughtUpTimeMs() > lagTimeMaxMs)) {
                    outOfSync.add(replica);
                }
            }
            if (outOfSync.isEmpty()) {
                return Set.of();
            }
            List<Integer> newIsr = new ArrayList<>(p.state.isr());
            newIsr.removeAll(outOfSync);
            log.info("{}: shrinking ISR {} -> {} (lagging: {})", p.tp, p.state.isr(), newIsr, outOfSync);
            isrShrinks.increment();
            submit(newIsr);
            return outOfSync;
        } finally {
            p.leaderIsrLock.writeLock().unlock();
        }
    }

    /** Proposes adding {@code follower} if it still qualifies. Takes the write lock. */
    void maybeExpandIsr(FollowerState follower) {
        p.leaderIsrLock.writeLock().lock();
        try {
            if (!p.isLeader() || alterPending || p.followers.get(follower.brokerId) != follower
                || !p.canJoinIsr(follower)) {
                return;
            }
            List<Integer> newIsr = new ArrayList<>(p.state.isr());
            newIsr.add(follower.brokerId);
            Set<Integer> maximal = new LinkedHashSet<>(p.maximalIsr);
            maximal.add(follower.brokerId);
            p.maximalIsr = Set.copyOf(maximal);
            log.info("{}: expanding ISR {} -> {}", p.tp, p.state.isr(), newIsr);
            isrExpands.increment();
            submit(newIsr);
        } finally {
            p.leaderIsrLock.writeLock().unlock();
        }
    }

    /** Needs the write lock. */
    private void submit(List<Integer> newIsr) {
        alterPending = true;
        pendingIsr = List.copyOf(newIsr);
        resendPending = false;
        PartitionState sentFrom = p.state;
        alterPartition.send(p.tp, sentFrom.leaderEpoch(), sentFrom.partitionEpoch(), newIsr).whenComplete((result, error) ->
            onResult(sentFrom, newIsr, error != null ? new AlterPartitionResult.Undecided(error.toString()) : result));
    }

    private void onResult(PartitionState sentFrom, List<Integer> newIsr, AlterPartitionResult result) {
        p.leaderIsrLock.writeLock().lock();
        try {
            PartitionState current = p.state;
            if (!p.isLeader() || current.leaderEpoch() != sentFrom.leaderEpoch()
                || current.partitionEpoch() != sentFrom.partitionEpoch()) {
                return; // metadata (or an earlier answer) already applied a newer state, which settles it
            }
            if (result instanceof AlterPartitionResult.Accepted accepted) {
                if (accepted.state().leaderId() == p.localBrokerId && !Partition.isStale(sentFrom, accepted.state())) {
                    p.state = accepted.state();
                    p.maximalIsr = Set.copyOf(accepted.state().isr());
                }
                clearPending();
            } else if (result instanceof AlterPartitionResult.Refused refused) {
                // Proven not committed: only now may a proposed member stop counting.
                log.info("{}: AlterPartition to ISR {} refused: {}", p.tp, newIsr, refused.reason());
                p.maximalIsr = Set.copyOf(sentFrom.isr());
                clearPending();
                p.noExpansionBeforeMs = p.clock.millis() + Partition.EXPANSION_REFUSED_BACKOFF_MS;
            } else {
                // Maybe committed: the maximal ISR keeps the proposal until metadata or a later answer tells.
                log.warn("{}: AlterPartition to ISR {} undecided ({}); keeping it pending and asking again", p.tp, newIsr,
                    ((AlterPartitionResult.Undecided) result).reason());
                resendPending = true;
            }
        } finally {
            p.leaderIsrLock.writeLock().unlock();
        }
        p.maybeIncrementHighWatermark();
    }

    /** Forgets any pending proposal (a new state from metadata settles it). Needs the write lock. */
    void clearPending() {
        alterPending = false;
        pendingIsr = null;
        resendPending = false;
    }
}
