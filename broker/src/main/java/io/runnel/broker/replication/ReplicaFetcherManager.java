package io.runnel.broker.replication;

import io.runnel.broker.partition.PartitionState;
import io.runnel.broker.partition.TopicPartition;
import io.runnel.broker.replica.ReplicaManager;
import java.io.Closeable;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.IntFunction;

/**
 * Keeps one {@link ReplicaFetcher} per leader broker that this broker follows partitions of, and
 * moves partitions between fetchers as metadata changes their leaders. Fetchers apply answers on
 * the transport's threads; their pauses and answer timeouts run on one timer thread of this
 * manager ({@code replica-fetch-timer-<id>}).
 *
 * <p>Thread-safety: {@link #update} and {@link #close} are synchronized.
 */
public final class ReplicaFetcherManager implements Closeable {
    private final int localBrokerId;
    private final ReplicaManager replicaManager;
    private final IntFunction<LeaderEndpoint> endpoints;
    private final Clock clock;
    private final ReplicaFetcher.FetcherSettings settings;
    private final ScheduledExecutorService timer;
    private final Map<Integer, ReplicaFetcher> fetchers = new HashMap<>();
    /** Each followed partition's current leader. */
    private final Map<TopicPartition, Integer> leaders = new HashMap<>();
    private boolean closed;

    /**
     * @param endpoints    connects to a broker by id (its replication listener, from metadata)
     * @param backoffMs    pause after a failed fetch or partition error
     * @param maxBackoffMs bound of the doubling pause when a leader repeats the same diverging answer
     */
    public ReplicaFetcherManager(int localBrokerId, ReplicaManager replicaManager, IntFunction<LeaderEndpoint> endpoints,
                                 Clock clock, int maxWaitMs, int partitionMaxBytes, long backoffMs, long maxBackoffMs) {
        this.localBrokerId = localBrokerId;
        this.replicaManager = replicaManager;
        this.endpoints = endpoints;
        this.clock = clock;
        this.settings = new ReplicaFetcher.FetcherSettings(maxWaitMs, 1, partitionMaxBytes, backoffMs, maxBackoffMs);
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "replica-fetch-timer-" + localBrokerId);
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Follows exactly {@code following} from now on: each partition from its leader in its epoch.
     * Partitions without a leader are not fetched until one is elected.
     */
    public synchronized void update(Map<TopicPartition, PartitionState> following) {
        if (closed) {
            return;
        }
        for (TopicPartition tp : List.copyOf(leaders.keySet())) {
            PartitionState state = following.get(tp);
            if (state == null || state.leaderId() != leaders.get(tp)) {
                ReplicaFetcher old = fetchers.get(leaders.remove(tp));
                if (old != null) {
                    old.unassign(tp);
                }
            }
        }
        for (Map.Entry<TopicPartition, PartitionState> e : following.entrySet()) {
            PartitionState state = e.getValue();
            if (state.leaderId() == PartitionState.NO_LEADER || state.leaderId() == localBrokerId) {
                continue;
            }
            ReplicaFetcher fetcher = fetchers.computeIfAbsent(state.leaderId(), leader -> {
                ReplicaFetcher f = new ReplicaFetcher(localBrokerId, leader, endpoints.apply(leader), replicaManager, clock,
                    settings, timer);
                f.start();
                return f;
            });
            leaders.put(e.getKey(), state.leaderId());
            fetcher.assign(e.getKey(), state.leaderEpoch());
        }
        for (Integer leader : List.copyOf(fetchers.keySet())) {
            if (fetchers.get(leader).isEmpty()) {
                fetchers.remove(leader).shutdown();
            }
        }
    }

    /** The leaders this broker currently fetches from. */
    public synchronized List<Integer> fetchingFrom() {
        return List.copyOf(fetchers.keySet());
    }

    @Override
    public synchronized void close() {
        closed = true;
        fetchers.values().forEach(ReplicaFetcher::shutdown);
        fetchers.clear();
        leaders.clear();
        timer.shutdownNow();
    }
}
