package io.runnel.broker.replica;

import io.runnel.broker.partition.PartitionState;
import io.runnel.broker.partition.TopicPartition;
import io.runnel.log.LogConfig;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * A real replica manager over a temp data dir, broker 1 leading {@link #TP} replicated to 1, 2 and
 * 3; the followers fetch only when a test makes them, so appends move the log end, not the high
 * watermark. ISR changes are sent nowhere.
 */
final class LeadingReplica implements AutoCloseable {
    static final TopicPartition TP = new TopicPartition("t", 0);

    final PartitionConfig config;
    final ReplicaManager replicaManager;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();

    LeadingReplica(Path dataDir, int minInsyncReplicas) {
        config = new PartitionConfig(LogConfig.defaults(), minInsyncReplicas, PartitionConfig.DEFAULT_MAX_MESSAGE_BYTES);
        replicaManager = new ReplicaManager(1, dataDir, Clock.systemUTC(), scheduler,
            (tp, leaderEpoch, partitionEpoch, isr) -> new CompletableFuture<>(), 30_000, 60_000);
        lead(1);
    }

    /** Broker 1 leads in {@code epoch}, ISR 1, 2, 3. */
    void lead(int epoch) {
        replicaManager.applyPartitionStates(Map.of(TP, new PartitionState(1, epoch, epoch, List.of(1, 2, 3), List.of(1, 2, 3))),
            Map.of(TP, config));
    }

    @Override
    public void close() {
        replicaManager.close();
        scheduler.shutdownNow();
    }
}
