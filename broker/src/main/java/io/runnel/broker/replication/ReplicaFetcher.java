package io.runnel.broker.replication;

import io.runnel.broker.partition.Partition;
import io.runnel.broker.partition.PartitionException.CommittedTruncationException;
import io.runnel.broker.partition.TopicPartition;
import io.runnel.broker.replica.ReplicaManager;
import io.runnel.log.EpochEndOffset;
import io.runnel.proto.v1.ErrorCode;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pulls every partition this broker follows from one leader broker: a long-poll fetch from each
 * partition's log end offset, then append, truncate on divergence, or back off on an error until
 * metadata moves the partition elsewhere.
 *
 * <p>It has no thread of its own. One fetch is in flight at a time; its answer is applied on the
 * transport thread that read it (the event loop, as a leader applies a produce), which sends the
 * next fetch at once. Only pauses (a failed fetch, a partition's error, nothing to fetch) go
 * through the {@code timer}, which also checks that a fetch in flight is answered in time. Before,
 * a fetcher thread waited for each answer: every round woke it from the event loop and woke the
 * event loop back to send, about 7 futex calls per acks=all record on a follower (issue 13).
 *
 * <p>Thread-safety: {@link #assign}, {@link #unassign} and {@link #shutdown} may be called from any
 * thread; answers are applied one at a time (one fetch in flight).
 */
final class ReplicaFetcher {
    private static final Logger log = LoggerFactory.getLogger(ReplicaFetcher.class);
    /** How often the timer checks that the fetch in flight was answered within its timeout. */
    private static final long OVERDUE_CHECK_MS = 1000;

    private final int localBrokerId;
    private final int leaderId;
    private final LeaderEndpoint endpoint;
    private final ReplicaManager replicaManager;
    private final Clock clock;
    private final FetcherSettings settings;
    private final ScheduledExecutorService timer;
    /** Followed partitions and the leader epoch each is followed in. */
    private final Map<TopicPartition, Integer> assigned = new ConcurrentHashMap<>();
    /** Partitions skipped until the given time after an error. */
    private final Map<TopicPartition, Long> delayedUntil = new ConcurrentHashMap<>();
    private final DivergenceBackoff divergenceBackoff;
    /** Held while an answer is applied, so {@link #shutdown} returns only after the last one. */
    private final ReentrantLock applying = new ReentrantLock();
    /** Guarded by this: a fetch is in flight (or being sent, or its answer applied). */
    private boolean fetching;
    /** Guarded by this: the next attempt after a pause, if one is due. */
    private ScheduledFuture<?> paused;
    private ScheduledFuture<?> overdueChecks;
    private volatile boolean running = true;

    ReplicaFetcher(int localBrokerId, int leaderId, LeaderEndpoint endpoint, ReplicaManager replicaManager, Clock clock,
                   FetcherSettings settings, ScheduledExecutorService timer) {
        this.localBrokerId = localBrokerId;
        this.leaderId = leaderId;
        this.endpoint = endpoint;
        this.replicaManager = replicaManager;
        this.clock = clock;
        this.settings = settings;
        this.timer = timer;
        this.divergenceBackoff = new DivergenceBackoff(settings.backoffMs(), Math.max(settings.backoffMs(),
            settings.maxBackoffMs()));
    }

    void start() {
        overdueChecks = timer.scheduleWithFixedDelay(endpoint::expireOverdue, OVERDUE_CHECK_MS, OVERDUE_CHECK_MS,
            TimeUnit.MILLISECONDS);
        fetchNext();
    }

    int leaderId() {
        return leaderId;
    }

    /**
     * Follows {@code tp} in {@code leaderEpoch}. Metadata re-applies every partition on any change,
     * so the same assignment comes again and again: only a new epoch clears the partition's pauses
     * (a new leader epoch is a new situation); otherwise a follower pausing between repeated
     * diverging answers would be woken into its loop by every unrelated metadata change.
     */
    void assign(TopicPartition tp, int leaderEpoch) {
        Integer previous = assigned.put(tp, leaderEpoch);
        if (previous == null || previous != leaderEpoch) {
            delayedUntil.remove(tp);
            divergenceBackoff.reset(tp);
            fetchNext(); // at once, unless a fetch is in flight: its answer sends the next
        }
    }

    void unassign(TopicPartition tp) {
        assigned.remove(tp);
        delayedUntil.remove(tp);
        divergenceBackoff.reset(tp);
    }

    boolean isEmpty() {
        return assigned.isEmpty();
    }

    /**
     * Stops fetching, closes the endpoint (failing the fetch in flight) and waits (up to 10 s) for
     * an answer being applied, so no follower append happens after this returns.
     */
    void shutdown() {
        running = false;
        synchronized (this) {
            if (paused != null) {
                paused.cancel(false);
            }
            if (overdueChecks != null) {
                overdueChecks.cancel(false);
            }
        }
        endpoint.close();
        try {
            if (applying.tryLock(10, TimeUnit.SECONDS)) {
                applying.unlock();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Sends the next fetch unless one is in flight or nothing can be fetched (then tries again after a pause). */
    private void fetchNext() {
        synchronized (this) {
            if (!running || fetching) {
                return;
            }
            fetching = true;
            if (paused != null) {
                paused.cancel(false);
                paused = null;
            }
        }
        List<LeaderEndpoint.PartitionFetch> request;
        try {
            request = buildRequest();
        } catch (RuntimeException e) {
            log.warn("Fetch from broker {} could not be built: {}", leaderId, e.toString());
            request = List.of();
        }
        if (request.isEmpty()) {
            pauseThenFetch(settings.backoffMs());
            return;
        }
        List<LeaderEndpoint.PartitionFetch> sent = request;
        try {
            endpoint.fetch(localBrokerId, settings.maxWaitMs(), settings.minBytes(), sent, new LeaderEndpoint.Answer() {
                @Override
                public void onAnswer(List<LeaderEndpoint.PartitionData> partitions) {
                    apply(partitions, sent);
                    synchronized (ReplicaFetcher.this) {
                        fetching = false;
                    }
                    fetchNext();
                }

                @Override
                public void onFailure(Exception e) {
                    if (running) {
                        log.debug("Fetch from broker {} failed: {}", leaderId, e.toString());
                    }
                    pauseThenFetch(settings.backoffMs());
                }
            });
        } catch (RuntimeException e) {
            log.debug("Fetch from broker {} could not be sent: {}", leaderId, e.toString());
            pauseThenFetch(settings.backoffMs());
        }
    }

    /** Ends the current round (no fetch in flight) and starts the next after {@code ms}, or when {@link #assign} wakes it. */
    private void pauseThenFetch(long ms) {
        synchronized (this) {
            fetching = false;
            if (!running) {
                return;
            }
            if (paused != null) {
                paused.cancel(false);
            }
            try {
                paused = timer.schedule(this::fetchNext, ms, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                paused = null; // the manager is closing
            }
        }
    }

    /** Applies one answer, partition by partition; an error in one does not stop the others. */
    private void apply(List<LeaderEndpoint.PartitionData> response, List<LeaderEndpoint.PartitionFetch> request) {
        applying.lock();
        try {
            if (!running) {
                return;
            }
            Map<TopicPartition, LeaderEndpoint.PartitionFetch> sent = new HashMap<>();
            request.forEach(f -> sent.put(f.tp(), f));
            for (LeaderEndpoint.PartitionData data : response) {
                try {
                    handle(data, sent.get(data.tp()));
                } catch (RuntimeException e) {
                    log.warn("Replica of {} could not apply data from leader {}: {}", data.tp(), leaderId, e.toString());
                    replicaManager.logDirHealth().onError(data.tp(), e); // an I/O error takes the directory offline
                    delayedUntil.put(data.tp(), clock.millis() + settings.backoffMs());
                }
            }
        } finally {
            applying.unlock();
        }
    }

    private List<LeaderEndpoint.PartitionFetch> buildRequest() {
        long now = clock.millis();
        List<LeaderEndpoint.PartitionFetch> request = new ArrayList<>();
        for (Map.Entry<TopicPartition, Integer> e : assigned.entrySet()) {
            Long until = delayedUntil.get(e.getKey());
            if (until != null && until > now) {
                continue;
            }
            Optional<Partition> partition = replicaManager.partition(e.getKey());
            if (partition.isEmpty()) {
                continue;
            }
            Partition p = partition.get();
            request.add(new LeaderEndpoint.PartitionFetch(e.getKey(), p.logEndOffset(), e.getValue(), p.lastFetchedEpoch(),
                settings.partitionMaxBytes()));
        }
        return request;
    }

    private void handle(LeaderEndpoint.PartitionData data, LeaderEndpoint.PartitionFetch fetch) {
        TopicPartition tp = data.tp();
        Integer epoch = assigned.get(tp);
        Optional<Partition> partition = replicaManager.partition(tp);
        if (epoch == null || partition.isEmpty()) {
            return; // unassigned while the fetch was in flight
        }
        Partition p = partition.get();
        if (p.isLeader() || p.state() == null || p.state().leaderEpoch() != epoch) {
            return; // the role moved on while the fetch was in flight
        }
        switch (data.error()) {
            case NONE -> {
                if (data.divergingEpoch() != null) {
                    handleDivergence(p, data.divergingEpoch(), fetch);
                } else {
                    divergenceBackoff.reset(tp);
                    p.appendRecordsAsFollower(data.records(), data.highWatermark());
                    // DeleteRecords (or retention) on the leader moves its start; the follower follows.
                    p.followLeaderLogStartOffset(data.logStartOffset());
                }
            }
            case OFFSET_OUT_OF_RANGE -> handleOutOfRange(p, data);
            default -> {
                log.debug("Fetch of {} from {} answered {}: {}", tp, leaderId, data.error(), data.errorMessage());
                delayedUntil.put(tp, clock.millis() + settings.backoffMs());
            }
        }
    }

    /**
     * Truncates where our log diverges from the leader's, and backs off if the leader gave this very
     * answer to this very fetch before: truncating did not help, and fetching again at once would
     * spin (issue 12 item 3 spun through a million truncations per run).
     */
    private void handleDivergence(Partition p, EpochEndOffset answer, LeaderEndpoint.PartitionFetch fetch) {
        TopicPartition tp = p.topicPartition();
        long fetchOffset = fetch == null ? p.logEndOffset() : fetch.fetchOffset();
        int lastFetchedEpoch = fetch == null ? p.lastFetchedEpoch() : fetch.lastFetchedEpoch();
        long pauseMs = divergenceBackoff.onDiverged(tp, fetchOffset, lastFetchedEpoch, answer);
        try {
            p.truncateToDivergence(answer, keepCommitted(tp));
        } catch (CommittedTruncationException e) {
            refused(tp, e);
            return;
        }
        if (pauseMs > 0) {
            log.warn("{}: leader {} answered diverged at offset {} (last fetched epoch {}, leader's epoch {} ends at {}) {} "
                + "times in a row; next fetch in {} ms", tp, leaderId, fetchOffset, lastFetchedEpoch, answer.epoch(),
                answer.endOffset(), divergenceBackoff.repeats(tp) + 1, pauseMs);
            delayedUntil.put(tp, clock.millis() + pauseMs);
        }
    }

    /** Without unclean leader election a follower never gives up records below its high watermark. */
    private boolean keepCommitted(TopicPartition tp) {
        return replicaManager.config(tp).map(c -> !c.uncleanLeaderElection()).orElse(true);
    }

    /**
     * The leader asked for a cut below our high watermark: it lacks committed records, so it should
     * not lead. Keep the log and wait, as long as the backoff allows, for metadata to name another
     * leader (a new leader epoch ends the pause).
     */
    private void refused(TopicPartition tp, CommittedTruncationException e) {
        long pauseMs = Math.max(settings.backoffMs(), settings.maxBackoffMs());
        log.error("{} (leader {}); fetching again in {} ms", e.getMessage(), leaderId, pauseMs);
        delayedUntil.put(tp, clock.millis() + pauseMs);
    }

    /**
     * The leader does not have our fetch offset. Above its end: our tail is not on the leader (it
     * was elected uncleanly), so cut it. Below its start: retention removed what we need, so start
     * over at its log start offset.
     */
    private void handleOutOfRange(Partition p, LeaderEndpoint.PartitionData data) {
        long ours = p.logEndOffset();
        if (data.logEndOffset() >= 0 && ours > data.logEndOffset()) {
            log.warn("{}: log end {} is past leader {}'s end {}: truncating", p.topicPartition(), ours, leaderId,
                data.logEndOffset());
            try {
                p.truncateForOutOfRange(data.logEndOffset(), data.logStartOffset(), keepCommitted(p.topicPartition()));
            } catch (CommittedTruncationException e) {
                refused(p.topicPartition(), e);
            }
        } else if (data.logStartOffset() > ours) {
            log.warn("{}: leader {} starts at {}, past our end {}: restarting the log there", p.topicPartition(), leaderId,
                data.logStartOffset(), ours);
            p.truncateForOutOfRange(data.logEndOffset(), data.logStartOffset(), false); // below our log end: nothing of ours is cut
        } else {
            delayedUntil.put(p.topicPartition(), clock.millis() + settings.backoffMs());
        }
    }

    /**
     * @param maxWaitMs         long-poll wait on the leader
     * @param minBytes          bytes the leader waits for
     * @param partitionMaxBytes byte budget per partition
     * @param backoffMs         pause after a failed fetch or a partition error, and the first pause
     *                          when the leader repeats a diverging answer to the same fetch
     * @param maxBackoffMs      bound of the doubling pause for a repeated diverging answer
     */
    record FetcherSettings(int maxWaitMs, int minBytes, int partitionMaxBytes, long backoffMs, long maxBackoffMs) {
    }
}
