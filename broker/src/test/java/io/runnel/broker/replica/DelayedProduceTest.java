package io.runnel.broker.replica;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runnel.broker.partition.TopicPartition;
import io.runnel.record.CompressionType;
import io.runnel.record.RecordBatchBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14: an acks=all produce parked for replication is answered KAFKA_STORAGE_ERROR as soon as
 * the leader's data directory goes offline, not REQUEST_TIMED_OUT at its timeout. Real replica
 * manager over a temp data dir; broker 1 leads a partition replicated to 1, 2 and 3 whose
 * followers never fetch, so the produce waits.
 */
class DelayedProduceTest {
    private static final TopicPartition TP = LeadingReplica.TP;

    @Test
    void aProduceWaitingForReplication_isAnsweredWithAStorageError_whenTheDataDirectoryGoesOffline(@TempDir Path dataDir) {
        try (LeadingReplica leading = new LeadingReplica(dataDir, 2)) {
            answeredAtOnce(leading.replicaManager);
        }
    }

    private static void answeredAtOnce(ReplicaManager replicaManager) {
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
