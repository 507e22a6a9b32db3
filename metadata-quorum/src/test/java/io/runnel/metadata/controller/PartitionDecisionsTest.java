package io.runnel.metadata.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runnel.metadata.image.MetadataImage;
import io.runnel.metadata.image.PartitionInfo;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.MetadataBatch;
import io.runnel.proto.v1.ReassignmentMove;
import io.runnel.proto.v1.ReassignmentRefusal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Partition decisions ({@link PartitionDecisions}): ISR changes and reassignments. */
class PartitionDecisionsTest extends DecisionFixture {
    @Test
    void alterPartition_staleEpochIsRejected() {
        brokers(3);
        apply(ControllerLogic.createTopic(image, "t", 1, 3, Map.of(), UUID.randomUUID()));
        PartitionInfo p = image.topics().get("t").partitions().get(0);
        long epoch = image.brokers().get(p.leader()).epoch();
        List<Integer> shrunk = List.of(p.leader(), p.replicas().get(1));
        MetadataBatch first = PartitionDecisions.alterPartition(image, p.leader(), epoch, "t", 0, p.leaderEpoch(), p.partitionEpoch(), shrunk);
        assertTrue(apply(first).accepted());
        assertEquals(ErrorCode.INVALID_UPDATE_VERSION, refusal(() -> PartitionDecisions.alterPartition(image, p.leader(), epoch, "t", 0,
            p.leaderEpoch(), p.partitionEpoch(), List.of(p.leader()))));
        // The same stale batch replayed (say, by a deposed controller) is a no-op when applied.
        assertEquals(ErrorCode.INVALID_UPDATE_VERSION, apply(first).error());
        assertEquals(ErrorCode.NOT_LEADER, refusal(() -> PartitionDecisions.alterPartition(image, p.replicas().get(1),
            image.brokers().get(p.replicas().get(1)).epoch(), "t", 0, p.leaderEpoch(), 1, shrunk)));
        assertEquals(ErrorCode.STALE_BROKER_EPOCH, refusal(() -> PartitionDecisions.alterPartition(image, p.leader(), epoch - 1, "t", 0,
            p.leaderEpoch(), 1, shrunk)));
    }

    @Test
    void reassignment_addsTargetsFirst_completesOnlyOnceTheyAreAllInTheIsr() {
        brokers(4);
        apply(ControllerLogic.createTopic(image, "t", 1, 2, Map.of(), UUID.randomUUID()));
        PartitionInfo before = image.topics().get("t").partitions().get(0);
        List<Integer> target = new ArrayList<>(List.of(1, 2, 3, 4));
        target.removeAll(before.replicas());
        assertEquals(ErrorCode.INVALID_REQUEST, refusal(() -> PartitionDecisions.reassignPartition(image, "t", 0, List.of(), 0)));
        assertEquals(ErrorCode.INVALID_REQUEST, refusal(() -> PartitionDecisions.reassignPartition(image, "t", 0, List.of(9), 0)));
        assertTrue(apply(PartitionDecisions.reassignPartition(image, "t", 0, target, 0)).accepted());
        PartitionInfo moving = image.topics().get("t").partitions().get(0);
        assertEquals(4, moving.replicas().size());
        assertEquals(target, moving.targetReplicas());
        assertEquals(0, PartitionDecisions.completeReassignments(image).getRecordsCount(), "targets not in the ISR yet");

        long epoch = image.brokers().get(moving.leader()).epoch();
        List<Integer> grown = new ArrayList<>(moving.isr());
        grown.addAll(target);
        apply(PartitionDecisions.alterPartition(image, moving.leader(), epoch, "t", 0, moving.leaderEpoch(), moving.partitionEpoch(), grown));
        assertTrue(apply(PartitionDecisions.completeReassignments(image)).accepted());
        PartitionInfo after = image.topics().get("t").partitions().get(0);
        assertEquals(target, after.replicas());
        assertEquals(target.size(), after.isr().size());
        assertTrue(target.contains(after.leader()));
        assertEquals(moving.leaderEpoch() + 1, after.leaderEpoch(), "the old leader was not kept");
        assertFalse(after.reassigning());
    }

    @Test
    void cancelledReassignment_returnsToTheOriginalReplicas_andDropsAnAddedReplicaFromTheIsr() {
        brokers(4);
        apply(ControllerLogic.createTopic(image, "t", 1, 2, Map.of(), UUID.randomUUID()));
        PartitionInfo before = image.topics().get("t").partitions().get(0);
        List<Integer> target = new ArrayList<>(List.of(1, 2, 3, 4));
        target.removeAll(before.replicas());
        assertEquals(ErrorCode.INVALID_REQUEST, refusal(() -> PartitionDecisions.cancelReassignment(image, "t", 0)), "nothing to cancel");
        assertEquals(ErrorCode.INVALID_REQUEST, refusal(() -> PartitionDecisions.reassignPartition(image, "t", 0, target, -1)));
        assertTrue(apply(PartitionDecisions.reassignPartition(image, "t", 0, target, 5000)).accepted());
        PartitionInfo moving = image.topics().get("t").partitions().get(0);
        assertEquals(before.replicas(), moving.originalReplicas());
        assertEquals(target, moving.addingReplicas());
        assertEquals(5000, moving.throttleBytesPerSec());
        assertEquals(image, MetadataImage.fromProto(image.toProto()), "the move's original replicas and throttle are in snapshots");
        assertEquals(ErrorCode.INVALID_REQUEST, refusal(() -> PartitionDecisions.reassignPartition(image, "t", 0, before.replicas(), 0)),
            "a second move while one is under way");

        // One added replica caught up (in the ISR), the other not: the move cannot complete.
        List<Integer> grown = new ArrayList<>(moving.isr());
        grown.add(target.get(0));
        apply(PartitionDecisions.alterPartition(image, moving.leader(), image.brokers().get(moving.leader()).epoch(), "t", 0,
            moving.leaderEpoch(), moving.partitionEpoch(), grown));
        assertEquals(0, PartitionDecisions.completeReassignments(image).getRecordsCount());

        assertTrue(apply(PartitionDecisions.cancelReassignment(image, "t", 0)).accepted());
        PartitionInfo after = image.topics().get("t").partitions().get(0);
        assertEquals(before.replicas(), after.replicas());
        assertEquals(before.isr(), after.isr(), "the added replica left the ISR");
        assertEquals(before.leader(), after.leader());
        assertFalse(after.reassigning());
        assertEquals(List.of(), after.originalReplicas());
        assertEquals(0, after.throttleBytesPerSec());
        assertEquals(ErrorCode.INVALID_REQUEST, refusal(() -> PartitionDecisions.cancelReassignment(image, "t", 0)));
    }

    private static ReassignmentMove move(String topic, int partition, Integer... replicas) {
        return ReassignmentMove.newBuilder().setTopic(topic).setPartition(partition).addAllReplicas(List.of(replicas)).build();
    }

    /** Several moves are decided on one image and go out as one batch, or not at all, naming each refused move. */
    @Test
    void reassignPartitions_isAllOrNothing_namingEachRefusedMove() {
        brokers(3);
        apply(ControllerLogic.createTopic(image, "t", 3, 1, Map.of(), UUID.randomUUID()));
        List<Integer> to = new ArrayList<>();
        for (int p = 0; p < 3; p++) {
            to.add(image.topics().get("t").partitions().get(p).leader() % 3 + 1);
        }
        MetadataImage untouched = image;
        MovesRefusedException refused = assertThrows(MovesRefusedException.class, () -> PartitionDecisions.reassignPartitions(
            image, List.of(move("t", 0, to.get(0)), move("t", 7, 1), move("t", 1, 9), move("t", 0, 2)), 0, false));
        assertEquals(List.of("t-7 UNKNOWN_TOPIC_OR_PARTITION", "t-1 INVALID_REQUEST", "t-0 INVALID_REQUEST"),
            refused.refusals().stream().map(r -> r.getTopic() + "-" + r.getPartition() + " " + r.getError()).toList());
        assertEquals(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, refused.code());
        assertTrue(refused.getMessage().startsWith("no partition moved: 3 of 4 moves refused: t-7: "), refused.getMessage());
        assertTrue(refused.refusals().get(1).getErrorMessage().contains("broker 9 is not a live broker"));
        assertTrue(refused.refusals().get(2).getErrorMessage().contains("named twice"));
        assertEquals(untouched, image);

        MetadataBatch all = PartitionDecisions.reassignPartitions(image, List.of(move("t", 0, to.get(0)), move("t", 1, to.get(1)),
            move("t", 2, to.get(2))), 1000, false);
        assertEquals(3, all.getRecordsCount(), "one batch of three changes");
        assertTrue(apply(all).accepted());
        for (int p = 0; p < 3; p++) {
            assertEquals(List.of(to.get(p)), image.topics().get("t").partitions().get(p).targetReplicas());
            assertEquals(1000, image.topics().get("t").partitions().get(p).throttleBytesPerSec());
        }

        // Cancel likewise: a partition not being moved refuses the whole cancel.
        apply(ControllerLogic.createTopic(image, "u", 1, 1, Map.of(), UUID.randomUUID()));
        List<ReassignmentRefusal> notMoving = assertThrows(MovesRefusedException.class, () -> PartitionDecisions.reassignPartitions(
            image, List.of(move("t", 0), move("u", 0), move("t", 1, 2)), 0, true)).refusals();
        assertEquals(List.of("u-0", "t-1"), notMoving.stream().map(r -> r.getTopic() + "-" + r.getPartition()).toList());
        assertTrue(notMoving.get(0).getErrorMessage().contains("is not being moved"));
        assertTrue(apply(PartitionDecisions.reassignPartitions(image, List.of(move("t", 0), move("t", 1), move("t", 2)), 0, true))
            .accepted());
        assertTrue(image.topics().get("t").partitions().values().stream().noneMatch(PartitionInfo::reassigning));
        assertEquals(ErrorCode.INVALID_REQUEST, refusal(() -> PartitionDecisions.reassignPartitions(image, List.of(), 0, false)));
        assertEquals(ErrorCode.INVALID_REQUEST, refusal(() -> PartitionDecisions.reassignPartitions(image, List.of(move("t", 0)), 5,
            true)));
    }
}
