package io.runnel.broker.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runnel.broker.config.ThreadSettings;
import io.runnel.broker.replica.ReplicaExecutors;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Issue 13 item 5: each background job of a node on its own named executor, stopped in order. */
class NodeExecutorsTest {
    private final NodeExecutors executors = new NodeExecutors(7, new ThreadSettings(2, 3));

    @Test
    void everyJobRunsOnItsOwnThreadsNamedForTheJobAndTheNode() throws Exception {
        ReplicaExecutors replica = executors.replica();
        List<ScheduledExecutorService> jobs = List.of(executors.controller(), executors.controllerCalls(), executors.groups(),
            executors.logMaintenance(), replica.purgatory(), replica.isrChecks(), replica.hwCheckpoints(), replica.logFlush());
        assertEquals(jobs.size(), Set.copyOf(jobs).size(), "no two jobs share an executor");
        assertEquals(Set.copyOf(jobs), Set.copyOf(executors.all()), "every executor is stopped on close");
        Set<String> names = new HashSet<>();
        for (ScheduledExecutorService job : jobs) {
            names.add(job.submit(() -> Thread.currentThread().getName()).get(30, TimeUnit.SECONDS));
        }
        assertEquals(Set.of("controller-7-0", "controller-calls-7-0", "group-coordinator-7", "log-maintenance-7", "purgatory-7",
            "isr-checks-7", "hw-checkpoint-7", "log-flush-7-0"), names);
        executors.close();
    }

    @Test
    void aLongCompactionAndBusyControllerCallsDelayNoOtherJob() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        List<CountDownLatch> started = new ArrayList<>();
        // Occupy every log-maintenance thread and every controller-call thread (3 in this setting).
        for (ScheduledExecutorService busy : List.of(executors.logMaintenance(), executors.controllerCalls(),
            executors.controllerCalls(), executors.controllerCalls())) {
            CountDownLatch running = new CountDownLatch(1);
            started.add(running);
            busy.execute(() -> {
                running.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
        for (CountDownLatch running : started) {
            assertTrue(running.await(30, TimeUnit.SECONDS));
        }
        try {
            ReplicaExecutors replica = executors.replica();
            for (ScheduledExecutorService other : List.of(executors.controller(), executors.groups(), replica.purgatory(),
                replica.isrChecks(), replica.hwCheckpoints(), replica.logFlush())) {
                Future<?> delayed = other.schedule(() -> { }, 1, TimeUnit.MILLISECONDS);
                delayed.get(30, TimeUnit.SECONDS); // would wait for the release on a shared, exhausted pool
            }
        } finally {
            release.countDown();
        }
        executors.close();
        executors.all().forEach(e -> assertTrue(e.isTerminated()));
    }

    @Test
    void stoppingDropsDelayedWorkInsteadOfWaitingForIt() {
        executors.replica().logFlush().schedule(() -> { }, 1, TimeUnit.HOURS); // a file deletion due later
        executors.close();
        executors.all().forEach(e -> assertTrue(e.isTerminated()));
    }
}
