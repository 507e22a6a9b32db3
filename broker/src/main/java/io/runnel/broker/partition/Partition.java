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
import io.runnel.log.OffsetOutOfRangeException;
import io.runnel.log.PendingAppend;
import io.runnel.log.ValidatedBatches;
import io.runnel.log.ValidatedBatches.ProducerBatch;
import io.runnel.record.RecordBatch;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
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
 * <p>Design note: leader and follower paths share one state (role, epochs, ISR, watermark,
 * producer table) under one lock, so this class holds that state, the public API and the hot paths
 * (produce, fetch, follower append); the other jobs are classes of their own
 * working on the state under the same locks: role changes ({@link RoleTransitions}), ISR
 * proposals to the controller ({@link IsrProposer}), a follower's truncation to agree with the
 * leader ({@link FollowerTruncation}); the high watermark's rules are static
 * ({@link HighWatermarkUpdater}), called from the hot paths for one call and no object; the
 * producer table and each follower's state are classes of their own.
 */
public final class Partition {
    private static final Logger log = LoggerFactory.getLogger(Partition.class);
    /**
     * After the controller refuses an expansion (the follower is fenced in its view), no expansion
     * is proposed for this long: a fenced follower that keeps fetching does not cost the controller
     * one refused AlterPartition per fetch.
     */
    static final long EXPANSION_REFUSED_BACKOFF_MS = 1000;

    // Package-private state is shared with the classes doing the partition's other jobs (see the
    // design note), under the locks named here.
    final TopicPartition tp;
    final int localBrokerId;
    final Log replicaLog;
    final Clock clock;
    private final AlterPartitionSender alterPartition;
    final ReentrantReadWriteLock leaderIsrLock = new ReentrantReadWriteLock();
    final Object hwLock = new Object();
    final Map<Integer, FollowerState> followers = new ConcurrentHashMap<>();
    /** Guarded by {@link #leaderIsrLock}; the last state applied from metadata or AlterPartition. */
    volatile PartitionState state;
    /** Guarded by {@link #leaderIsrLock}. */
    volatile Set<Integer> maximalIsr = Set.of();
    /** Guarded by {@link #leaderIsrLock}: pending ISR proposals and their answers. */
    final IsrProposer isrProposer;
    /** Guarded by {@link #leaderIsrLock}: no ISR expansion is proposed before this time (after a refusal). */
    long noExpansionBeforeMs;
    volatile long leaderEpochStartOffset = -1;
    volatile long highWatermark;
    /** Guarded by itself: idempotent producers' recent batches, kept in step with the log. */
    final ProducerStateTable producers;
    /** Idempotent producers a partition remembers unless the node says otherwise ({@code max.producers.per.partition}). */
    public static final int DEFAULT_MAX_PRODUCERS = 1000;
    /** How long an idle idempotent producer is remembered unless the node says otherwise ({@code producer.id.expiration.ms}, Kafka's default). */
    public static final long DEFAULT_PRODUCER_ID_EXPIRATION_MS = 86_400_000L;

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
        this(tp, localBrokerId, replicaLog, initialHighWatermark, clock, alterPartition, maxProducers,
            DEFAULT_PRODUCER_ID_EXPIRATION_MS);
    }

    /**
     * @param maxProducers             idempotent producers remembered ({@code max.producers.per.partition})
     * @param producerIdExpirationMs   an idempotent producer idle this long is forgotten
     *                                 ({@code producer.id.expiration.ms}; see ProducerStateTable)
     */
    public Partition(TopicPartition tp, int localBrokerId, Log replicaLog, long initialHighWatermark, Clock clock,
                     AlterPartitionSender alterPartition, int maxProducers, long producerIdExpirationMs) {
        this.producers = new ProducerStateTable(maxProducers, producerIdExpirationMs, clock);
        this.tp = tp;
        this.localBrokerId = localBrokerId;
        this.replicaLog = replicaLog;
        this.clock = clock;
        this.alterPartition = alterPartition;
        this.isrProposer = new IsrProposer(this, alterPartition);
        this.highWatermark = Math.max(replicaLog.logStartOffset(), Math.min(initialHighWatermark, replicaLog.logEndOffset()));
        rebuildProducerState();
    }

    /** Re-reads every batch header of the log into the producer table (after open or truncation). */
    void rebuildProducerState() {
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
        return isrProposer.isrShrinks();
    }

    /** ISR expansions this replica proposed as leader. */
    public long isrExpands() {
        return isrProposer.isrExpands();
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
        return RoleTransitions.makeLeader(this, newState);
    }

    /**
     * Applies a state naming another broker (or nobody) leader. The replica fetcher then finds the
     * divergence point with the new leader before fetching.
     *
     * @return true if the leader or its epoch changed
     */
    public boolean makeFollower(PartitionState newState) {
        return RoleTransitions.makeFollower(this, newState);
    }

    static boolean isStale(PartitionState current, PartitionState incoming) {
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
                isrProposer.maybeExpandIsr(joining);
            }
        }
    }

    /**
     * Recomputes the high watermark as the smallest log end offset in the maximal ISR.
     *
     * @return true if it moved up: the caller then completes waiting produces and fetches
     */
    public boolean maybeIncrementHighWatermark() {
        return HighWatermarkUpdater.maybeIncrement(this);
    }

    // ---------------------------------------------------------------- leader: ISR changes

    /**
     * Proposes removing ISR followers that have not caught up within {@code lagTimeMaxMs}. The ISR
     * used for the high watermark only shrinks once the controller accepts.
     *
     * @return the followers proposed for removal (empty if none, or a change is already pending)
     */
    public Set<Integer> maybeShrinkIsr(long lagTimeMaxMs) {
        return isrProposer.maybeShrinkIsr(lagTimeMaxMs);
    }

    /**
     * A follower outside the maximal ISR that has everything up to the high watermark and this
     * epoch's start, and that the controller would accept (not fenced as far as our metadata knows,
     * no refusal in the last {@link #EXPANSION_REFUSED_BACKOFF_MS}). Needs {@link #leaderIsrLock}.
     */
    boolean canJoinIsr(FollowerState f) {
        return !maximalIsr.contains(f.brokerId) && f.logEndOffset() >= highWatermark
            && f.logEndOffset() >= leaderEpochStartOffset && clock.millis() >= noExpansionBeforeMs
            && alterPartition.isIsrEligible(f.brokerId);
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

    /**
     * DeleteRecords on the leader: moves the log start offset up to {@code offset} (the high
     * watermark for -1). Followers follow through the log start offset in their fetch answers.
     *
     * @return the log start offset afterwards
     * @throws NotLeaderException if this replica does not lead
     * @throws OffsetOutOfRangeException if {@code offset} is past the high watermark
     *     (records not yet committed cannot be deleted)
     * @throws IllegalArgumentException for an offset below -1
     */
    public long deleteRecordsBefore(long offset) {
        if (offset < -1) {
            throw new IllegalArgumentException("offset must be >= 0, or -1 for the high watermark, got " + offset);
        }
        leaderIsrLock.readLock().lock();
        try {
            requireLeader();
            long hw = highWatermark;
            long target = offset < 0 ? hw : offset;
            if (target > hw) {
                throw new OffsetOutOfRangeException(target, replicaLog.logStartOffset(), hw);
            }
            return replicaLog.maybeIncrementLogStartOffset(target);
        } finally {
            leaderIsrLock.readLock().unlock();
        }
    }

    /**
     * A follower follows its leader's log start offset (moved by DeleteRecords or retention), as far
     * as its own high watermark: what the leader no longer serves, the follower does not either.
     */
    public void followLeaderLogStartOffset(long leaderLogStartOffset) {
        leaderIsrLock.readLock().lock();
        try {
            if (isLeader()) {
                return;
            }
            long target = Math.min(leaderLogStartOffset, highWatermark);
            if (target > replicaLog.logStartOffset()) {
                replicaLog.maybeIncrementLogStartOffset(target);
            }
        } finally {
            leaderIsrLock.readLock().unlock();
        }
    }

    /** A follower learns the leader's high watermark, capped at its own log end offset. */
    public void updateFollowerHighWatermark(long leaderHighWatermark) {
        HighWatermarkUpdater.takeLeaders(this, leaderHighWatermark);
    }

    /**
     * Truncates a follower's log where it diverges from the leader's ({@link DivergencePoint}). Leader
     * epochs starting at or above the truncation point are dropped even when no record is, so the
     * next fetch names an epoch the leader can answer for.
     *
     * @param keepCommitted refuse to cut below the high watermark (no unclean leader election)
     * @return where it truncated, and whether another divergence answer may follow
     * @throws PartitionException.CommittedTruncationException with {@code keepCommitted}, when the cut
     *         would go below the high watermark; nothing is truncated
     */
    public DivergencePoint truncateToDivergence(EpochEndOffset leaderEnd, boolean keepCommitted) {
        return FollowerTruncation.truncateToDivergence(this, leaderEnd, keepCommitted);
    }

    /**
     * Truncates a follower's log to the leader's end (unclean election left ours longer) or restarts it
     * at the leader's start (retention removed what we need), keeping producer state in step.
     *
     * @throws PartitionException.CommittedTruncationException as {@link #truncateToDivergence}
     */
    public void truncateForOutOfRange(long leaderLogEndOffset, long leaderLogStartOffset, boolean keepCommitted) {
        FollowerTruncation.truncateForOutOfRange(this, leaderLogEndOffset, leaderLogStartOffset, keepCommitted);
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
