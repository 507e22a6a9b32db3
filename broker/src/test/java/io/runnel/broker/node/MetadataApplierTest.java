package io.runnel.broker.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runnel.broker.partition.Partition;
import io.runnel.broker.partition.TopicPartition;
import io.runnel.broker.replica.ReplicaManager;
import io.runnel.log.PartitionMetadata;
import io.runnel.metadata.controller.BrokerDecisions;
import io.runnel.metadata.controller.ControllerLogic;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.proto.v1.MetadataBatch;
import io.runnel.record.CompressionType;
import io.runnel.record.RecordBatchBuilder;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14 item 2: partitions are keyed by topic id as well as name, on a real replica manager
 * over a temp data dir, with images built by the controller's own logic.
 */
class MetadataApplierTest {
    private static final TopicPartition TP = new TopicPartition("reused", 0);

    @TempDir
    Path dataDir;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private ReplicaManager replicaManager;
    private MetadataImage image = MetadataImage.EMPTY;
    private long offset;

    @BeforeEach
    void start() {
        replicaManager = new ReplicaManager(1, dataDir, Clock.systemUTC(), scheduler,
            (tp, leaderEpoch, partitionEpoch, isr) -> new CompletableFuture<>(), 30_000, 60_000);
        apply(BrokerDecisions.registerBroker(image, 1, "inc-1", "h", 9092, "", false));
        apply(BrokerDecisions.unfenceBroker(image, 1, image.brokers().get(1).epoch()));
    }

    @AfterEach
    void stop() {
        replicaManager.close();
        scheduler.shutdownNow();
    }

    private void apply(MetadataBatch batch) {
        MetadataImage.Applied applied = image.apply(batch, 1, ++offset);
        assertTrue(applied.accepted(), applied.message());
        image = applied.image();
    }

    private static ByteBuffer batch(String... values) {
        RecordBatchBuilder builder = new RecordBatchBuilder(CompressionType.NONE);
        for (String v : values) {
            builder.append(1000, null, v.getBytes());
        }
        return builder.build();
    }

    private Partition partition() {
        return replicaManager.partition(TP).orElseThrow();
    }

    @Test
    void aDeleteAndReCreateInOneImage_opensANewEmptyLog_withTheNewTopicId() {
        MetadataApplier applier = new MetadataApplier(1, replicaManager, Map.of());
        apply(ControllerLogic.createTopic(image, "reused", 1, 1, Map.of(), UUID.randomUUID()));
        applier.apply(image);
        String oldId = image.topics().get("reused").topicId();
        assertEquals(oldId, PartitionMetadata.topicId(dataDir.resolve(TP.dirName())).orElseThrow());
        partition().appendRecordsAsLeader(batch("old-0", "old-1", "old-2"), false, 1);
        assertEquals(3, partition().logEndOffset());

        // The broker was behind: the deletion and the re-creation reach it in one image.
        apply(ControllerLogic.deleteTopic(image, "reused"));
        apply(ControllerLogic.createTopic(image, "reused", 1, 1, Map.of(), UUID.randomUUID()));
        String newId = image.topics().get("reused").topicId();
        applier.apply(image);

        assertEquals(0, partition().logEndOffset(), "the deleted topic's records must not be served as the new topic's");
        assertEquals(newId, PartitionMetadata.topicId(dataDir.resolve(TP.dirName())).orElseThrow());
    }

    @Test
    void uncleanLeaderElection_isTheTopicsOwnSetting_asTheControllerElectsBy() {
        MetadataApplier applier = new MetadataApplier(1, replicaManager, Map.of("unclean.leader.election.enable", "true"));
        apply(ControllerLogic.createTopic(image, "reused", 1, 1, Map.of(), UUID.randomUUID()));
        apply(ControllerLogic.createTopic(image, "unclean", 1, 1, Map.of("unclean.leader.election.enable", "true"),
            UUID.randomUUID()));
        applier.apply(image);
        // A node default does not make the controller elect uncleanly, so followers keep committed records.
        assertFalse(replicaManager.config(TP).orElseThrow().uncleanLeaderElection());
        assertTrue(replicaManager.config(new TopicPartition("unclean", 0)).orElseThrow().uncleanLeaderElection());
    }

    @Test
    void aLeftoverDirectoryOfAnotherTopicId_isDeletedBeforeOpening_andOrphansGoOnceCaughtUp() throws Exception {
        // A deleted topic's replica left behind while the broker was down: same name, another id.
        Path leftover = dataDir.resolve(TP.dirName());
        PartitionMetadata.write(leftover, UUID.randomUUID().toString());
        Files.writeString(leftover.resolve("00000000000000000000.log"), "old bytes");
        Path orphan = dataDir.resolve("gone-0");
        PartitionMetadata.write(orphan, UUID.randomUUID().toString());
        Path notAPartition = Files.createDirectories(dataDir.resolve("__raft"));

        long registration = image.brokers().get(1).epoch();
        MetadataApplier applier = new MetadataApplier(1, replicaManager, Map.of(), () -> registration);
        apply(ControllerLogic.createTopic(image, "reused", 1, 1, Map.of(), UUID.randomUUID()));
        applier.apply(image);

        assertEquals(0, partition().logEndOffset());
        assertEquals(image.topics().get("reused").topicId(), PartitionMetadata.topicId(leftover).orElseThrow());
        assertFalse(Files.exists(orphan), "a partition directory of no hosted partition is removed");
        assertTrue(Files.exists(notAPartition));
    }
}
