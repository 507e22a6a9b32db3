package io.runnel.broker.replica;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runnel.broker.partition.PartitionState;
import io.runnel.broker.partition.TopicPartition;
import io.runnel.log.LogConfig;
import io.runnel.record.CompressionType;
import io.runnel.record.RecordBatchBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14: an acks=all produce parked for replication is answered KAFKA_STORAGE_ERROR as soon as
 * the leader's data directory goes offline, not REQUEST_TIMED_OUT at its timeout. Real replica
 * manager over a temp data dir; broker 1 leads a partition replicated to 1, 2 and 3 whose
 * followers never fetch, so the produce waits.
 */
class DelayedProduceTest {
    private static final TopicPartition TP = new TopicPartition("t", 0);
    private static final PartitionConfig CONFIG = new PartitionConfig(LogConfig.defaults(), 2,
        PartitionConfig.DEFAULT_MAX_MESSAGE_BYTES);

    @TempDir
    Path dataDir;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private ReplicaManager replicaManager;

    @BeforeEach
    void start() {
        replicaManager = new ReplicaManager(1, dataDir, Clock.systemUTC(), scheduler,
            (tp, leaderEpoch, partitionEpoch, isr) -> new CompletableFuture<>(), 30_000, 60_000);
        replicaManager.applyPartitionStates(Map.of(TP, new PartitionState(1, 1, 1, List.of(1, 2, 3), List.of(1, 2, 3))),
            Map.of(TP, CONFIG));
    }

    @AfterEach
    void stop() {
        replicaManager.close();
        scheduler.shutdownNow();
    }

    @Test
    void aProduceWaitingForReplication_isAnsweredWithAStorageError_whenTheDataDirectoryGoesOffline() {
        RecordBatchBuilder builder = new RecordBatchBuilder(CompressionType.NONE);
        builder.append(1000, null, "v".getBytes());
        ByteBuffer batch = builder.build();
        CompletableFuture<Map<TopicPartition, ProduceResult>> waiting = replicaManager.appendRecords(-1, 60_000, Map.of(TP, batch));
        assertFalse(waiting.isDone(), "no follower fetched: the produce waits for the ISR");

        // What an I/O error on any log of the directory does (LogDirHealth.onError).
        replicaManager.logDirHealth().onError(new TopicPartition("other", 0),
            new UncheckedIOException("Cannot append", new IOException("No space left on device")));

        await().atMost(Duration.ofSeconds(10)).until(waiting::isDone);
        RuntimeException error = waiting.join().get(TP).error();
        assertInstanceOf(KafkaStorageException.class, error, "answered at once, not REQUEST_TIMED_OUT after 60 s");
        assertTrue(((KafkaStorageException) error).retriable());
    }
}
