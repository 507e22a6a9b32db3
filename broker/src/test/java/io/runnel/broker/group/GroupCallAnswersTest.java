package io.runnel.broker.group;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.runnel.broker.metadata.ControllerClient;
import io.runnel.broker.partition.FetchRequestParams;
import io.runnel.broker.partition.PartitionState;
import io.runnel.broker.partition.TopicPartition;
import io.runnel.broker.replica.PartitionConfig;
import io.runnel.broker.replica.ReplicaManager;
import io.runnel.log.LogConfig;
import io.runnel.metadata.controller.BrokerDecisions;
import io.runnel.metadata.controller.ControllerLogic;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.metadata.image.PartitionInfo;
import io.runnel.proto.v1.ConsumerGroupHeartbeatRequest;
import io.runnel.proto.v1.ConsumerGroupHeartbeatResponse;
import io.runnel.proto.v1.DeleteGroupsRequest;
import io.runnel.proto.v1.DeleteGroupsResponse;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.MetadataBatch;
import io.runnel.proto.v1.MetadataRecord;
import io.runnel.proto.v1.OffsetCommitPartition;
import io.runnel.proto.v1.OffsetCommitRequest;
import io.runnel.proto.v1.OffsetCommitResponse;
import io.runnel.proto.v1.OffsetCommitTopic;
import io.runnel.proto.v1.PartitionChangeRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
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
 * Issue 14 item 7 for the group coordinator: a call whose group records wait for replication is
 * answered as soon as the wait cannot end well (its offsets partition's directory goes offline, the
 * coordinator moves away), with NOT_COORDINATOR so the client finds the new coordinator, rather
 * than after the write's own timeout ({@code offsets.commit.timeout.ms}, a minute here) with
 * COORDINATOR_NOT_AVAILABLE; and a write the ISR never acknowledges is answered when that timeout
 * ends. A real replica manager over a temp directory leads
 * {@code __consumer_offsets-0} with a follower that never fetches unless the test says so, so every
 * group write waits; the metadata images are built by the controller's own logic.
 */
class GroupCallAnswersTest {
    private static final String GROUP = "g";
    /** The group write's own wait in these tests, unless one says otherwise: far longer than {@link #PROMPTLY}. */
    private static final int COMMIT_TIMEOUT_MS = 60_000;
    /** Shorter than the group write's own wait: the answer must come from the event, not the timer. */
    private static final Duration PROMPTLY = Duration.ofSeconds(8);

    @TempDir
    Path dataDir;
    private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2);
    private MetadataImage image = MetadataImage.EMPTY;
    private long offset;
    private int coordinatorId;
    private int followerId;
    private TopicPartition offsets;
    private ReplicaManager replicaManager;
    private GroupCoordinator coordinator;

    private void apply(MetadataBatch batch) {
        MetadataImage.Applied applied = image.apply(batch, 1, ++offset);
        assertEquals(ErrorCode.NONE, applied.error(), applied.message());
        image = applied.image();
    }

    @BeforeEach
    void start() {
        for (int id = 1; id <= 2; id++) {
            apply(BrokerDecisions.registerBroker(image, id, "inc-" + id, "host" + id, 9092, "", false));
            apply(BrokerDecisions.unfenceBroker(image, id, image.brokers().get(id).epoch()));
        }
        apply(ControllerLogic.createTopic(image, "t", 1, 1, Map.of(), UUID.randomUUID()));
        apply(ControllerLogic.createTopic(image, GroupSettings.OFFSETS_TOPIC, 1, 2, Map.of(), UUID.randomUUID()));
        PartitionInfo p = image.topics().get(GroupSettings.OFFSETS_TOPIC).partitions().get(0);
        coordinatorId = p.leader();
        followerId = coordinatorId == 1 ? 2 : 1;
        offsets = new TopicPartition(GroupSettings.OFFSETS_TOPIC, 0);
        replicaManager = new ReplicaManager(coordinatorId, dataDir, Clock.systemUTC(), scheduler,
            (tp, leaderEpoch, partitionEpoch, isr) -> new CompletableFuture<>(), 30_000, 60_000);
        applyOffsetsPartition();
        startCoordinator(COMMIT_TIMEOUT_MS);
    }

    /** A coordinator of the offsets partition whose group writes wait {@code commitTimeoutMs} for the ISR. */
    private void startCoordinator(int commitTimeoutMs) {
        GroupSettings d = GroupSettings.DEFAULTS;
        coordinator = new GroupCoordinator(coordinatorId, replicaManager, new GroupSettings(1, 2, d.offsetsRetentionMs(),
            d.sessionTimeoutMs(), d.minSessionTimeoutMs(), d.maxSessionTimeoutMs(), d.heartbeatIntervalMs(),
            d.offsetsTopicSegmentBytes(), d.maxSize(), d.maxRegexLength(), commitTimeoutMs), Clock.systemUTC(), scheduler,
            (topic, partitions, rf, configs) -> CompletableFuture.completedFuture(null));
        coordinator.onMetadata(image);
        await().atMost(Duration.ofSeconds(30)).until(() -> coordinator.shardFor(GROUP).error() == ErrorCode.NONE);
    }

    @AfterEach
    void stop() {
        coordinator.close();
        replicaManager.close();
        scheduler.shutdownNow();
    }

    /** What the broker's metadata applier does with the image's state of the offsets partition. */
    private void applyOffsetsPartition() {
        PartitionState state = ControllerClient.partitionStates(image).get(GroupSettings.OFFSETS_TOPIC).get(0);
        replicaManager.applyPartitionStates(Map.of(offsets, state), Map.of(offsets, new PartitionConfig(LogConfig.defaults(), 1,
            PartitionConfig.DEFAULT_MAX_MESSAGE_BYTES)));
    }

    /** The offsets partition's replica moves to the follower alone, as a completed reassignment leaves it. */
    private void coordinatorMovesAway() {
        PartitionInfo p = image.topics().get(GroupSettings.OFFSETS_TOPIC).partitions().get(0);
        apply(MetadataBatch.newBuilder().addRecords(MetadataRecord.newBuilder().setPartitionChange(PartitionChangeRecord
            .newBuilder().setTopic(GroupSettings.OFFSETS_TOPIC).setPartition(0).setExpectedPartitionEpoch(p.partitionEpoch())
            .setLeader(followerId).addIsr(followerId).addReplicas(followerId))).build());
        // The broker's metadata applier: no replica here any more, so the log goes; then the coordinator.
        replicaManager.removePartition(offsets, true);
        coordinator.onMetadata(image);
    }

    /** The follower fetches up to the leader's log end, so the high watermark covers every write so far. */
    private void followerCatchesUp() {
        long logEnd = replicaManager.partition(offsets).orElseThrow().logEndOffset();
        int epoch = image.topics().get(GroupSettings.OFFSETS_TOPIC).partitions().get(0).leaderEpoch();
        replicaManager.fetch(0, 0, 1 << 20, Map.of(offsets, new FetchRequestParams(followerId, logEnd, epoch, epoch, 1 << 20)))
            .join();
    }

    private CompletableFuture<OffsetCommitResponse> commit(long offset) {
        return new GroupOffsets(coordinator, Clock.systemUTC()).commit(OffsetCommitRequest.newBuilder().setGroupId(GROUP)
            .addTopics(OffsetCommitTopic.newBuilder().setTopic("t").addPartitions(OffsetCommitPartition.newBuilder()
                .setPartition(0).setOffset(offset))).build());
    }

    @Test
    void aCommitWaitingForReplication_isAnsweredNotCoordinator_whenTheOffsetsDirectoryGoesOffline() {
        CompletableFuture<OffsetCommitResponse> waiting = commit(5);
        assertFalse(waiting.isDone(), "the follower did not fetch: the offsets wait for the ISR");

        replicaManager.logDirHealth().onError(new TopicPartition("t", 0),
            new UncheckedIOException("Cannot append", new IOException("No space left on device")));

        await().atMost(PROMPTLY).until(waiting::isDone);
        OffsetCommitResponse answer = waiting.join();
        assertEquals(ErrorCode.NOT_COORDINATOR, answer.getError(), answer.getErrorMessage());
        assertEquals(ErrorCode.NOT_COORDINATOR, answer.getTopics(0).getPartitions(0).getError());
    }

    @Test
    void aJoinWaitingForReplication_isAnsweredNotCoordinator_whenTheCoordinatorMovesAway() {
        CompletableFuture<ConsumerGroupHeartbeatResponse> waiting = coordinator.heartbeat(ConsumerGroupHeartbeatRequest
            .newBuilder().setGroupId(GROUP).setMemberId(UUID.randomUUID().toString()).setMemberEpoch(0)
            .addSubscribedTopics("t").build());
        assertFalse(waiting.isDone(), "the follower did not fetch: the join's records wait for the ISR");

        coordinatorMovesAway();

        await().atMost(PROMPTLY).until(waiting::isDone);
        assertEquals(ErrorCode.NOT_COORDINATOR, waiting.join().getError(), waiting.join().getErrorMessage());
    }

    @Test
    void aDeleteWaitingForReplication_isAnsweredNotCoordinator_whenTheCoordinatorMovesAway() {
        CompletableFuture<OffsetCommitResponse> committed = commit(5);
        followerCatchesUp();
        assertEquals(ErrorCode.NONE, committed.join().getError(), "the group exists, with an offset and no members");
        CompletableFuture<DeleteGroupsResponse> waiting = new GroupDeletion(coordinator)
            .delete(DeleteGroupsRequest.newBuilder().addGroupIds(GROUP).build());
        assertFalse(waiting.isDone(), "the tombstones wait for the ISR");

        coordinatorMovesAway();

        await().atMost(PROMPTLY).until(waiting::isDone);
        assertEquals(ErrorCode.NOT_COORDINATOR, waiting.join().getResults(0).getError());
    }

    @Test
    void aCommitTheIsrNeverAcknowledges_isAnsweredWhenOffsetsCommitTimeoutEnds() {
        coordinator.close();
        startCoordinator(300); // offsets.commit.timeout.ms=300: the follower never fetches, so only this timer can answer

        CompletableFuture<OffsetCommitResponse> waiting = commit(5);

        await().atMost(PROMPTLY).until(waiting::isDone);
        OffsetCommitResponse answer = waiting.join();
        assertEquals(ErrorCode.COORDINATOR_NOT_AVAILABLE, answer.getError(), answer.getErrorMessage());
        assertEquals(ErrorCode.COORDINATOR_NOT_AVAILABLE, answer.getTopics(0).getPartitions(0).getError());
    }
}
