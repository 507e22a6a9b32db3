package io.runnel.broker.partition;

import io.runnel.broker.partition.PartitionException.FencedLeaderEpochException;
import io.runnel.broker.partition.PartitionException.NotEnoughReplicasException;
import io.runnel.broker.partition.PartitionException.NotLeaderException;
import io.runnel.broker.partition.PartitionException.NotReplicaException;
import io.runnel.broker.partition.PartitionException.UnknownLeaderEpochException;
import io.runnel.log.EpochEndOffset;
import io.runnel.log.FileSlice;
import io.runnel.log.Log;
import io.runnel.log.LogAppendInfo;
import io.runnel.log.LogReadInfo;
import io.runnel.log.PendingAppend;
import io.runnel.log.ValidatedBatches;
import io.runnel.log.ValidatedBatches.ProducerBatch;
import io.runnel.record.RecordBatch;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One partition replica on this broker: its log plus the replication state of Kafka's ISR
 * protocol. As leader it appends producers' batches, tracks each follower's log end offset, moves
 * the high watermark to the smallest log end offset in the ISR, and proposes ISR changes to the
 * controller. As follower it appends what it fetched from the leader and truncates where its log
 * diverges from the leader's.
 *
 * <p>The ISR used for the high watermark is the <em>maximal</em> ISR (KIP-497): the committed ISR
 * plus a follower whose addition is pending, and minus nobody until a removal is committed, so
 * the high watermark never passes a record some possible ISR member lacks. An addition stays in
 * the maximal ISR until the controller's answer proves it was not committed
 * ({@link AlterPartitionResult.Refused}) or metadata brings a newer partition epoch; a lost or
 * ambiguous answer keeps it there and the proposal is sent again (see docs/broker.md, "Which
 * replicas count").
 *
 * <p>Thread-safety: {@link #leaderIsrLock} is held for reading by appends and fetches and for
 * writing by role and ISR changes, so an append never interleaves with a leader change. The high
 * watermark only moves under {@link #hwLock}.
 *
 * <p>Design note: leader and follower paths share one class because they share one state (role,
 * epochs, ISR, watermark, producer table) under one lock; the producer table and follower state
 * are classes of their own.
 */
public final class Partition {
    private static final Logger log = LoggerFactory.getLogger(Partition.class);
    /**
     * After the controller refuses an expansion (the follower is fenced in its view), no expansion
     * is proposed for this long: a fenced follower that keeps fetching does not cost the controller
     * one refused AlterPartition per fetch.
     */
    static final long EXPANSION_REFUSED_BACKOFF_MS = 1000;

    private final TopicPartition tp;
    private final int localBrokerId;
    private final Log replicaLog;
    private final Clock clock;
    private final AlterPartitionSender alterPartition;
    private final ReentrantReadWriteLock leaderIsrLock = new ReentrantReadWriteLock();
    private final Object hwLock = new Object();
    private final Map<Integer, FollowerState> followers = new ConcurrentHashMap<>();
    /** Guarded by {@link #leaderIsrLock}; the last state applied from metadata or AlterPartition. */
    private volatile PartitionState state;
    /** Guarded by {@link #leaderIsrLock}. */
    private volatile Set<Integer> maximalIsr = Set.of();
    /** Guarded by {@link #leaderIsrLock}: an AlterPartition is in flight or its outcome is not known yet. */
    private boolean alterPending;
    /** Guarded by {@link #leaderIsrLock}: the ISR proposed by the pending AlterPartition, to send again while undecided. */
    private List<Integer> pendingIsr;
    /** Guarded by {@link #leaderIsrLock}: the pending AlterPartition ended undecided and is due to be sent again. */
    private boolean resendPending;
    /** Guarded by {@link #leaderIsrLock}: no ISR expansion is proposed before this time (after a refusal). */
    private long noExpansionBeforeMs;
    private volatile long leaderEpochStartOffset = -1;
    private final LongAdder isrShrinks = new LongAdder();
    private final LongAdder isrExpands = new LongAdder();
    private volatile long highWatermark;
    /** Guarded by itself: idempotent producers' recent batches, kept in step with the log. */
    private final ProducerStateTable producers;
    /** Idempotent producers a partition remembers unless the node says otherwise ({@code max.producers.per.partition}). */
    public static final int DEFAULT_MAX_PRODUCERS = 1000;

    /**
     * @param initialHighWatermark the checkpointed high watermark, clamped into the log's range
     */
    public Partition(TopicPartition tp, int localBrokerId, Log replicaLog, long initialHighWatermark, Clock clock,
                     AlterPartitionSender alterPartition) {
        this(tp, localBrokerId, replicaLog, initialHighWatermark, clock, alterPartition,
            DEFAULT_MAX_PRODUCERS);
    }

    /** @param maxProducers idempotent producers remembered ({@code max.producers.per.partition}; see ProducerStateTable) */
    public Partition(TopicPartition tp, int localBrokerId, Log replicaLog, long initialHighWatermark, Clock clock,
                     AlterPartitionSender alterPartition, int maxProducers) {
        this.producers = new ProducerStateTable(maxProducers);
        this.tp = tp;
        this.localBrokerId = localBrokerId;
        this.replicaLog = replicaLog;
        this.clock = clock;
        this.alterPartition = alterPartition;
        this.highWatermark = Math.max(replicaLog.logStartOffset(), Math.min(initialHighWatermark, replicaLog.logEndOffset()));
        rebuildProducerState();
    }

    /** Re-reads every batch header of the log into the producer table (after open or truncation). */
    private void rebuildProducerState() {
        synchronized (producers) {
            producers.clear();
            replicaLog.forEachBatchHeader(producers::update);
        }
    }

    public TopicPartition topicPartition() {
        return tp;
    }

    public Log log() {
        return replicaLog;
    }

    public long highWatermark() {
        return highWatermark;
    }

    public long logEndOffset() {
        return replicaLog.logEndOffset();
    }

    /** The last applied state, or null before the first {@link #makeLeader} / {@link #makeFollower}. */
    public PartitionState state() {
        return state;
    }

    public boolean isLeader() {
        PartitionState s = state;
        return s != null && s.leaderId() == localBrokerId;
    }

    /** ISR shrinks this replica proposed as leader. */
    public long isrShrinks() {
        return isrShrinks.sum();
    }

    /** ISR expansions this replica proposed as leader. */
    public long isrExpands() {
        return isrExpands.sum();
    }

    /** Leader whose ISR lacks some replica. */
    public boolean isUnderReplicated() {
        PartitionState s = state;
        return isLeader() && s.isr().size() < s.replicas().size();
    }

    /** The ISR that bounds the high watermark (committed ISR plus pending additions). */
    public Set<Integer> maximalIsr() {
        return maximalIsr;
    }

    // ---------------------------------------------------------------- role changes

    /**
     * Applies a state naming this broker leader. A new leader epoch starts at the current log end
     * offset; a state with the same epoch is an ISR update. A state older than the current one is
     * ignored.
     *
     * @return true if this broker became leader in a new epoch
     */
    public boolean makeLeader(PartitionState newState) {
        if (newState.leaderId() != localBrokerId) {
            throw new IllegalArgumentException("state names leader " + newState.leaderId() + ", not " + localBrokerId);
        }
        leaderIsrLock.writeLock().lock();
        try {
            PartitionState old = state;
            if (old != null && isStale(old, newState)) {
                return false;
            }
            boolean newEpoch = old == null || old.leaderId() != localBrokerId || newState.leaderEpoch() > old.leaderEpoch();
            if (!newEpoch && newState.partitionEpoch() == old.partitionEpoch()) {
                // The same state again: metadata re-applies every partition on any change. Nothing
                // changed, and an AlterPartition in flight stays pending (its member keeps counting).
                return false;
            }
            state = newState;
            maximalIsr = Set.copyOf(newState.isr());
            clearPendingAlter();
            long now = clock.millis();
            if (newEpoch) {
                leaderEpochStartOffset = replicaLog.logEndOffset();
                replicaLog.leaderEpochCache().assign(newState.leaderEpoch(), leaderEpochStartOffset);
                followers.clear();
            }
            for (int replica : newState.replicas()) {
                if (replica != localBrokerId) {
                    // ISR members get a fresh lag clock: they were in sync as far as the controller knows.
                    followers.computeIfAbsent(replica, id -> new FollowerState(id, newState.isr().contains(id) ? now : 0));
                }
            }
            followers.keySet().retainAll(newState.replicas());
            if (newEpoch) {
                log.info("{}: leader in epoch {} from offset {}, ISR {}", tp, newState.leaderEpoch(), leaderEpochStartOffset,
                    newState.isr());
            }
            maybeIncrementHighWatermark();
            return newEpoch;
        } finally {
            leaderIsrLock.writeLock().unlock();
        }
    }

    /**
     * Applies a state naming another broker (or nobody) leader. The replica fetcher then finds the
     * divergence point with the new leader before fetching.
     *
     * @return true if the leader or its epoch changed
     */
    public boolean makeFollower(PartitionState newState) {
        if (newState.leaderId() == localBrokerId) {
            throw new IllegalArgumentException("state names this broker (" + localBrokerId + ") leader");
        }
        leaderIsrLock.writeLock().lock();
        try {
            PartitionState old = state;
            if (old != null && isStale(old, newState)) {
                return false;
            }
            state = newState;
            maximalIsr = Set.of();
            clearPendingAlter();
            followers.clear();
            leaderEpochStartOffset = -1;
            return old == null || old.leaderId() != newState.leaderId() || old.leaderEpoch() != newState.leaderEpoch();
        } finally {
            leaderIsrLock.writeLock().unlock();
        }
    }

    private static boolean isStale(PartitionState current, PartitionState incoming) {
        return incoming.leaderEpoch() < current.leaderEpoch()
            || incoming.leaderEpoch() == current.leaderEpoch() && incoming.partitionEpoch() < current.partitionEpoch();
    }

    // ---------------------------------------------------------------- leader: produce

    /** {@link #appendRecordsAsLeader(ValidatedBatches, boolean, int)} for batches not checked yet. */
    public LogAppendInfo appendRecordsAsLeader(ByteBuffer batches, boolean acksAll, int minInsyncReplicas) {
        return appendRecordsAsLeader(ValidatedBatches.check(batches), acksAll, minInsyncReplicas);
    }

    /**
     * Appends a producer's batches as leader, rewriting their offsets and leader epoch in place. The
     * order of checks matters (issue 12 item 7): the batches were validated whole before this (CRC,
     * producer fields), so a corrupt copy is never judged by producer state; a retry of a batch
     * already written is answered with its offsets before the ISR size is looked at (it is written,
     * whatever the ISR is now); only a batch about to be written is refused for too small an ISR.
     *
     * @param acksAll           whether the producer waits for the whole ISR: then an ISR below
     *                          {@code minInsyncReplicas} refuses the append
     * @throws NotLeaderException         if this broker does not lead the partition
     * @throws NotEnoughReplicasException if acks=all and the ISR is too small; nothing is appended
     */
    public LogAppendInfo appendRecordsAsLeader(ValidatedBatches batches, boolean acksAll, int minInsyncReplicas) {
        leaderIsrLock.readLock().lock();
        try {
            PartitionState s = requireLeader();
            LogAppendInfo duplicate = null;
            PendingAppend pending;
            synchronized (producers) {
                ProducerBatch producer = batches.producer();
                if (producer != null && producers.check(producer) instanceof ProducerStateTable.Duplicate d) {
                    // A retry of a batch already written: answer with where it went, write nothing.
                    duplicate = new LogAppendInfo(d.firstOffset(), d.lastOffset(), batches.maxTimestamp(), 0, 0);
                    pending = null;
                } else {
                    if (acksAll && s.isr().size() < minInsyncReplicas) {
                        throw new NotEnoughReplicasException(tp, s.isr().size(), minInsyncReplicas);
                    }
                    pending = replicaLog.appendAsLeaderDeferred(batches, s.leaderEpoch());
                    if (producer != null) {
                        producers.update(RecordBatch.of(batches.batches()));
                    }
                }
            }
            // Under flush.policy=sync, wait for the fsync outside the producer-state monitor, so that
            // concurrent produces to this partition share one (group commit). A retry is answered
            // only once what its first attempt wrote is durable too.
            if (duplicate != null) {
                replicaLog.awaitDurable(duplicate.lastOffset() + 1);
                return duplicate;
            }
            LogAppendInfo info = pending.awaitDurable();
            maybeIncrementHighWatermark();
            return info;
        } finally {
            leaderIsrLock.readLock().unlock();
        }
    }

    /**
     * Where an acks=all produce ending at {@code requiredOffset} (exclusive) stands.
     *
     * @return true once the high watermark has reached it; false while waiting
     * @throws NotLeaderException         if leadership moved away (the records may be lost)
     * @throws NotEnoughReplicasException if replicated but the ISR shrank below the minimum meanwhile
     */
    public boolean checkEnoughReplicasReachOffset(long requiredOffset, int minInsyncReplicas) {
        leaderIsrLock.readLock().lock();
        try {
            PartitionState s = requireLeader();
            if (highWatermark < requiredOffset) {
                return false;
            }
            if (s.isr().size() < minInsyncReplicas) {
                throw new NotEnoughReplicasException(tp, s.isr().size(), minInsyncReplicas);
            }
            return true;
        } finally {
            leaderIsrLock.readLock().unlock();
        }
    }

    // ---------------------------------------------------------------- leader: fetch

    /**
     * Serves a fetch as leader. Consumers read up to the high watermark; followers up to the log end
     * offset, and their fetch offset updates their replication state. A follower whose last fetched
     * epoch ends below its fetch offset here gets a diverging epoch instead of records.
     *
     * @throws NotLeaderException                 if this broker does not lead the partition
     * @throws FencedLeaderEpochException         if the fetcher's epoch is older than ours
     * @throws UnknownLeaderEpochException        if it is newer (our metadata is behind)
     * @throws NotReplicaException                if a follower is not a replica
     * @throws io.runnel.log.OffsetOutOfRangeException if the offset is outside the log
     */
    public FetchResult fetchRecords(FetchRequestParams params) {
        FollowerState joining = null;
        leaderIsrLock.readLock().lock();
        try {
            PartitionState s = requireLeader();
            if (params.currentLeaderEpoch() >= 0 && params.currentLeaderEpoch() < s.leaderEpoch()) {
                throw new FencedLeaderEpochException(tp, params.currentLeaderEpoch(), s.leaderEpoch());
            }
            if (params.currentLeaderEpoch() > s.leaderEpoch()) {
                throw new UnknownLeaderEpochException(tp, params.currentLeaderEpoch(), s.leaderEpoch());
            }
            long leaderEnd = replicaLog.logEndOffset();
            if (!params.fromFollower()) {
                LogReadInfo read = replicaLog.read(params.fetchOffset(), params.maxBytes(), highWatermark, true);
                return new FetchResult(read.records(), highWatermark, read.logStartOffset(), read.logEndOffset(), null);
            }
            FollowerState follower = followers.get(params.replicaId());
            if (follower == null) {
                throw new NotReplicaException(tp, params.replicaId());
            }
            if (params.lastFetchedEpoch() >= 0) {
                EpochEndOffset end = replicaLog.leaderEpochCache().endOffsetFor(params.lastFetchedEpoch());
                if (end.epoch() < params.lastFetchedEpoch() || end.endOffset() < params.fetchOffset()) {
                    return new FetchResult(FileSlice.EMPTY, highWatermark, replicaLog.logStartOffset(),
                        leaderEnd, end);
                }
            }
            LogReadInfo read = replicaLog.read(params.fetchOffset(), params.maxBytes(), Long.MAX_VALUE, true);
            follower.update(params.fetchOffset(), clock.millis(), leaderEnd);
            if (canJoinIsr(follower)) {
                joining = follower;
            }
            maybeIncrementHighWatermark();
            return new FetchResult(read.records(), highWatermark, read.logStartOffset(), read.logEndOffset(), null);
        } finally {
            leaderIsrLock.readLock().unlock();
            if (joining != null) {
                // A read lock cannot be upgraded: propose the expansion after releasing it.
                maybeExpandIsr(joining);
            }
        }
    }

    /**
     * Recomputes the high watermark as the smallest log end offset in the maximal ISR.
     *
     * @return true if it moved up: the caller then completes waiting produces and fetches
     */
    public boolean maybeIncrementHighWatermark() {
        synchronized (hwLock) {
            if (!isLeader()) {
                return false;
            }
            long candidate = replicaLog.logEndOffset();
            for (int replica : maximalIsr) {
                if (replica == localBrokerId) {
                    continue;
                }
                FollowerState f = followers.get(replica);
                long end = f == null ? -1 : f.logEndOffset();
                if (end < 0) {
                    return false; // an ISR member not heard from in this epoch holds the watermark
                }
                candidate = Math.min(candidate, end);
            }
            if (candidate > highWatermark) {
                highWatermark = candidate;
                return true;
            }
            return false;
        }
    }

    // ---------------------------------------------------------------- leader: ISR changes

    /**
     * Proposes removing ISR followers that have not caught up within {@code lagTimeMaxMs}. The ISR
     * used for the high watermark only shrinks once the controller accepts.
     *
     * @return the followers proposed for removal (empty if none, or a change is already pending)
     */
    public Set<Integer> maybeShrinkIsr(long lagTimeMaxMs) {
        leaderIsrLock.writeLock().lock();
        try {
            if (isLeader() && resendPending) {
                // The last proposal's outcome is unknown: ask again (the answer settles it either way).
                submitAlterPartition(pendingIsr);
                return Set.of();
            }
            if (!isLeader() || alterPending) {
                return Set.of();
            }
            long now = clock.millis();
            Set<Integer> outOfSync = new LinkedHashSet<>();
            for (int replica : state.isr()) {
                FollowerState f = followers.get(replica);
                if (replica != localBrokerId && (f == null || now - f.lastCaughtUpTimeMs() > lagTimeMaxMs)) {
                    outOfSync.add(replica);
                }
            }
            if (outOfSync.isEmpty()) {
                return Set.of();
            }
            List<Integer> newIsr = new ArrayList<>(state.isr());
            newIsr.removeAll(outOfSync);
            log.info("{}: shrinking ISR {} -> {} (lagging: {})", tp, state.isr(), newIsr, outOfSync);
            isrShrinks.increment();
            submitAlterPartition(newIsr);
            return outOfSync;
        } finally {
            leaderIsrLock.writeLock().unlock();
        }
    }

    /**
     * A follower outside the maximal ISR that has everything up to the high watermark and this
     * epoch's start, and that the controller would accept (not fenced as far as our metadata knows,
     * no refusal in the last {@link #EXPANSION_REFUSED_BACKOFF_MS}).
     */
    private boolean canJoinIsr(FollowerState f) {
        return !maximalIsr.contains(f.brokerId) && f.logEndOffset() >= highWatermark
            && f.logEndOffset() >= leaderEpochStartOffset && clock.millis() >= noExpansionBeforeMs
            && alterPartition.isIsrEligible(f.brokerId);
    }

    private void maybeExpandIsr(FollowerState follower) {
        leaderIsrLock.writeLock().lock();
        try {
            if (!isLeader() || alterPending || followers.get(follower.brokerId) != follower || !canJoinIsr(follower)) {
                return;
            }
            List<Integer> newIsr = new ArrayList<>(state.isr());
            newIsr.add(follower.brokerId);
            Set<Integer> maximal = new LinkedHashSet<>(maximalIsr);
            maximal.add(follower.brokerId);
            maximalIsr = Set.copyOf(maximal);
            log.info("{}: expanding ISR {} -> {}", tp, state.isr(), newIsr);
            isrExpands.increment();
            submitAlterPartition(newIsr);
        } finally {
            leaderIsrLock.writeLock().unlock();
        }
    }

    /** Needs the write lock. */
    private void submitAlterPartition(List<Integer> newIsr) {
        alterPending = true;
        pendingIsr = List.copyOf(newIsr);
        resendPending = false;
        PartitionState sentFrom = state;
        alterPartition.send(tp, sentFrom.leaderEpoch(), sentFrom.partitionEpoch(), newIsr).whenComplete((result, error) ->
            onAlterPartitionResult(sentFrom, newIsr,
                error != null ? new AlterPartitionResult.Undecided(error.toString()) : result));
    }

    private void onAlterPartitionResult(PartitionState sentFrom, List<Integer> newIsr, AlterPartitionResult result) {
        leaderIsrLock.writeLock().lock();
        try {
            PartitionState current = state;
            if (!isLeader() || current.leaderEpoch() != sentFrom.leaderEpoch()
                || current.partitionEpoch() != sentFrom.partitionEpoch()) {
                return; // metadata (or an earlier answer) already applied a newer state, which settles it
            }
            if (result instanceof AlterPartitionResult.Accepted accepted) {
                if (accepted.state().leaderId() == localBrokerId && !isStale(sentFrom, accepted.state())) {
                    state = accepted.state();
                    maximalIsr = Set.copyOf(accepted.state().isr());
                }
                clearPendingAlter();
            } else if (result instanceof AlterPartitionResult.Refused refused) {
                // Proven not committed: only now may a proposed member stop counting.
                log.info("{}: AlterPartition to ISR {} refused: {}", tp, newIsr, refused.reason());
                maximalIsr = Set.copyOf(sentFrom.isr());
                clearPendingAlter();
                noExpansionBeforeMs = clock.millis() + EXPANSION_REFUSED_BACKOFF_MS;
            } else {
                // Maybe committed: the maximal ISR keeps the proposal until metadata or a later answer tells.
                log.warn("{}: AlterPartition to ISR {} undecided ({}); keeping it pending and asking again", tp, newIsr,
                    ((AlterPartitionResult.Undecided) result).reason());
                resendPending = true;
            }
        } finally {
            leaderIsrLock.writeLock().unlock();
        }
        maybeIncrementHighWatermark();
    }

    /** Needs the write lock. */
    private void clearPendingAlter() {
        alterPending = false;
        pendingIsr = null;
        resendPending = false;
    }

    // ---------------------------------------------------------------- follower

    /**
     * Appends batches fetched from the leader and takes the leader's high watermark, capped at our
     * own log end offset.
     *
     * @throws IllegalStateException if this broker leads the partition
     */
    public LogAppendInfo appendRecordsAsFollower(ByteBuffer batches, long leaderHighWatermark) {
        leaderIsrLock.readLock().lock();
        try {
            if (isLeader()) {
                throw new IllegalStateException(tp + ": the leader does not append as a follower");
            }
            LogAppendInfo info = null;
            if (batches.hasRemaining()) {
                synchronized (producers) {
                    info = replicaLog.appendAsFollower(batches);
                    RecordBatch batch = new RecordBatch();
                    for (int at = batches.position(); at < batches.limit(); at += batch.sizeInBytes()) {
                        producers.update(batch.wrap(batches, at, at));
                    }
                }
            }
            updateFollowerHighWatermark(leaderHighWatermark);
            return info;
        } finally {
            leaderIsrLock.readLock().unlock();
        }
    }

    /** A follower learns the leader's high watermark, capped at its own log end offset. */
    public void updateFollowerHighWatermark(long leaderHighWatermark) {
        synchronized (hwLock) {
            long capped = Math.min(leaderHighWatermark, replicaLog.logEndOffset());
            if (capped > highWatermark) {
                highWatermark = capped;
            }
        }
    }

    /**
     * Truncates a follower's log where it diverges from the leader's ({@link DivergencePoint}). Leader
     * epochs starting at or above the truncation point are dropped even when no record is, so the
     * next fetch names an epoch the leader can answer for.
     *
     * @return where it truncated, and whether another divergence answer may follow
     */
    public DivergencePoint truncateToDivergence(EpochEndOffset leaderEnd) {
        leaderIsrLock.writeLock().lock();
        try {
            EpochEndOffset local = replicaLog.leaderEpochCache().endOffsetFor(leaderEnd.epoch());
            DivergencePoint point = DivergencePoint.of(leaderEnd, local, replicaLog.logStartOffset(), replicaLog.logEndOffset());
            replicaLog.truncateTo(point.truncateTo());
            rebuildProducerState();
            synchronized (hwLock) {
                highWatermark = Math.min(highWatermark, replicaLog.logEndOffset());
            }
            log.info("{}: truncated to {} after divergence from the leader (leader's epoch {} ends at {}, ours at {}{})", tp,
                replicaLog.logEndOffset(), leaderEnd.epoch(), leaderEnd.endOffset(), local.endOffset(),
                point.complete() ? "" : "; asking again one epoch back");
            return point;
        } finally {
            leaderIsrLock.writeLock().unlock();
        }
    }

    /**
     * Truncates a follower's log to the leader's end (unclean election left ours longer) or restarts it
     * at the leader's start (retention removed what we need), keeping producer state in step.
     */
    public void truncateForOutOfRange(long leaderLogEndOffset, long leaderLogStartOffset) {
        leaderIsrLock.writeLock().lock();
        try {
            if (replicaLog.logEndOffset() > leaderLogEndOffset) {
                replicaLog.truncateTo(leaderLogEndOffset);
            } else if (leaderLogStartOffset > replicaLog.logEndOffset()) {
                replicaLog.truncateFullyAndStartAt(leaderLogStartOffset);
            }
            rebuildProducerState();
            synchronized (hwLock) {
                highWatermark = Math.min(highWatermark, replicaLog.logEndOffset());
            }
        } finally {
            leaderIsrLock.writeLock().unlock();
        }
    }

    /** The epoch of the follower's last record, for divergence detection on its next fetch. */
    public int lastFetchedEpoch() {
        return replicaLog.leaderEpochCache().latestEpoch();
    }

    private PartitionState requireLeader() {
        PartitionState s = state;
        if (s == null || s.leaderId() != localBrokerId) {
            throw new NotLeaderException(tp, s == null ? PartitionState.NO_LEADER : s.leaderId(), s == null ? -1 : s.leaderEpoch());
        }
        return s;
    }

    @Override
    public String toString() {
        return "Partition[" + tp + ", state=" + state + ", hw=" + highWatermark + ", leo=" + replicaLog.logEndOffset() + "]";
    }
}
