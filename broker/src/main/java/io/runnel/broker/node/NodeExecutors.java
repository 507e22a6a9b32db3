package io.runnel.broker.node;

import io.runnel.broker.config.ThreadSettings;
import io.runnel.broker.replica.ReplicaExecutors;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One executor per background job of a node, so a slow job cannot delay another (issue 13 item 5:
 * one shared 4-thread pool ran purgatory timeouts, ISR checks, flushes, AlterPartition calls and
 * compaction, and a long compaction or a slow controller delayed the rest). Threads are named
 * {@code <job>-<node id>} ({@code -<n>} added where a pool has several), daemon, and started
 * only when a job first runs, so a controller-only node starts no broker threads. Broker
 * heartbeats run on {@code controller-session-<id>}, owned by the ControllerClient's BrokerSession; replica
 * fetchers on the event loops that read their answers, with their pauses on a timer owned by the
 * ReplicaFetcherManager.
 *
 * <p>Stopping is in three steps, so no job runs against a closed component: {@link
 * #stopBrokerJobs} before the partitions' logs close, {@link #stopLogJobs} after, and {@link
 * #stopControllerJobs} after the controller. Each lets a running task finish (up to 10 s, then
 * interrupts it) and drops queued and delayed ones.
 *
 * <p>Thread-safety: the executors are safe from any thread; the stop methods are called by the
 * node's (synchronized) stop.
 */
final class NodeExecutors implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NodeExecutors.class);
    private static final long STOP_WAIT_SECONDS = 10;

    private final int nodeId;
    /** The quorum controller: broker session checks, reassignment completion, AddVoter. */
    private final ScheduledExecutorService controller;
    /** Blocking calls to the active controller (AlterPartition, admin forwards) and metadata-watch retries. */
    private final ScheduledExecutorService controllerCalls;
    /** Consumer-group coordinator: session sweeps, loading offsets-topic partitions. */
    private final ScheduledExecutorService groups;
    /** Timeouts of waiting produces and fetches, and completing them when a follower moves the watermark. */
    private final ScheduledExecutorService purgatory;
    /** Leader-side ISR shrink checks. */
    private final ScheduledExecutorService isrChecks;
    /** High-watermark checkpoint files. */
    private final ScheduledExecutorService hwCheckpoints;
    /** Log fsyncs and delayed deletion of old segment files. */
    private final ScheduledExecutorService logFlush;
    /** Retention and compaction. */
    private final ScheduledExecutorService logMaintenance;

    NodeExecutors(int nodeId, ThreadSettings threads) {
        this.nodeId = nodeId;
        this.controller = pool("controller", 2);
        this.controllerCalls = pool("controller-calls", threads.controllerCallThreads());
        this.groups = pool("group-coordinator", 1);
        this.purgatory = pool("purgatory", 1);
        this.isrChecks = pool("isr-checks", 1);
        this.hwCheckpoints = pool("hw-checkpoint", 1);
        this.logFlush = pool("log-flush", threads.logFlushThreads());
        this.logMaintenance = pool("log-maintenance", 1);
    }

    private ScheduledExecutorService pool(String job, int threads) {
        AtomicInteger count = new AtomicInteger();
        ThreadFactory factory = r -> {
            Thread t = new Thread(r, job + "-" + nodeId + (threads > 1 ? "-" + count.getAndIncrement() : ""));
            t.setDaemon(true);
            return t;
        };
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(threads, factory);
        // On stop, delayed work (a file deletion due in a minute) is dropped, not waited for.
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        executor.setRemoveOnCancelPolicy(true);
        return executor;
    }

    ScheduledExecutorService controller() {
        return controller;
    }

    ScheduledExecutorService controllerCalls() {
        return controllerCalls;
    }

    ScheduledExecutorService groups() {
        return groups;
    }

    ScheduledExecutorService logMaintenance() {
        return logMaintenance;
    }

    /** The executors the replica manager and its logs run on. */
    ReplicaExecutors replica() {
        return new ReplicaExecutors(purgatory, isrChecks, hwCheckpoints, logFlush);
    }

    /** Every executor, in stop order. */
    List<ScheduledExecutorService> all() {
        return List.of(groups, controllerCalls, isrChecks, logMaintenance, purgatory, hwCheckpoints, logFlush, controller);
    }

    /** Before the logs close: jobs that read or change partitions, and calls to the controller. */
    void stopBrokerJobs() {
        stop(List.of(groups, controllerCalls, isrChecks, logMaintenance));
    }

    /** After the logs closed (they flush and checkpoint on close): flushes, checkpoints, purgatory timers. */
    void stopLogJobs() {
        stop(List.of(purgatory, hwCheckpoints, logFlush));
    }

    /** After the controller closed. */
    void stopControllerJobs() {
        stop(List.of(controller));
    }

    private static void stop(List<ScheduledExecutorService> executors) {
        executors.forEach(ScheduledExecutorService::shutdown);
        List<ScheduledExecutorService> slow = new ArrayList<>();
        for (ScheduledExecutorService e : executors) {
            try {
                if (!e.awaitTermination(STOP_WAIT_SECONDS, TimeUnit.SECONDS)) {
                    slow.add(e);
                }
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                slow.add(e);
            }
        }
        for (ScheduledExecutorService e : slow) {
            log.warn("A background job did not finish within {} s of stopping; interrupting it", STOP_WAIT_SECONDS);
            e.shutdownNow();
        }
    }

    @Override
    public void close() {
        stopBrokerJobs();
        stopLogJobs();
        stopControllerJobs();
    }
}
