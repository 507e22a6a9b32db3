package io.runnel.metadata.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runnel.metadata.image.MetadataImage;
import io.runnel.metadata.image.PartitionInfo;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.MetadataBatch;
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
}
