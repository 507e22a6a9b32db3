package io.runnel.metadata.controller;

import static io.runnel.metadata.controller.ImageLookups.isLive;
import static io.runnel.metadata.controller.ImageLookups.requireBroker;
import static io.runnel.metadata.controller.ImageLookups.requirePartition;

import io.runnel.metadata.image.BrokerInfo;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.metadata.image.PartitionInfo;
import io.runnel.metadata.image.TopicInfo;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.MetadataBatch;
import io.runnel.proto.v1.MetadataRecord;
import io.runnel.proto.v1.PartitionChangeRecord;
import io.runnel.proto.v1.ReassignmentMove;
import io.runnel.proto.v1.ReassignmentRefusal;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The controller's decisions about one partition's replicas, as pure functions (see
 * {@link ControllerLogic} for the contract they share): a leader's ISR change, and a reassignment
 * started, cancelled or completed, of one partition or of several at once.
 */
public final class PartitionDecisions {
    private PartitionDecisions() {
    }

    private static MetadataRecord.Builder rec() {
        return MetadataRecord.newBuilder();
    }

    /**
     * A leader's ISR change. Refused unless the requester is the partition's leader at the given
     * leader epoch and the partition epoch is current (a stale request loses: INVALID_UPDATE_VERSION),
     * and the new ISR holds the leader, only replicas, and no fenced broker it is adding.
     */
    public static MetadataBatch alterPartition(MetadataImage image, int brokerId, long brokerEpoch, String topic, int partition,
                                               int leaderEpoch, int partitionEpoch, List<Integer> newIsr) {
        BrokerInfo b = requireBroker(image, brokerId);
        if (b.epoch() != brokerEpoch) {
            throw new ControllerException(ErrorCode.STALE_BROKER_EPOCH, "broker " + brokerId + " is at epoch " + b.epoch()
                + ", not " + brokerEpoch);
        }
        PartitionInfo p = requirePartition(image, topic, partition);
        if (p.leader() != brokerId) {
            throw new ControllerException(ErrorCode.NOT_LEADER, "broker " + brokerId + " does not lead " + topic + "-"
                + partition + " (leader " + p.leader() + ")");
        }
        if (p.leaderEpoch() != leaderEpoch) {
            throw new ControllerException(ErrorCode.FENCED_LEADER_EPOCH, "leader epoch " + leaderEpoch + " is not the current "
                + p.leaderEpoch());
        }
        if (p.partitionEpoch() != partitionEpoch) {
            throw new ControllerException(ErrorCode.INVALID_UPDATE_VERSION, "partition epoch " + partitionEpoch
                + " is not the current " + p.partitionEpoch());
        }
        if (!newIsr.contains(brokerId) || !p.replicas().containsAll(newIsr) || newIsr.stream().distinct().count() != newIsr.size()) {
            throw new ControllerException(ErrorCode.INVALID_REQUEST, "ISR " + newIsr + " must hold the leader " + brokerId
                + " and only replicas of " + p.replicas() + ", once each");
        }
        for (int r : newIsr) {
            if (!p.isr().contains(r) && !isLive(image, r)) {
                throw new ControllerException(ErrorCode.INVALID_REQUEST, "broker " + r + " is fenced and cannot join the ISR");
            }
        }
        return MetadataBatch.newBuilder().addRecords(rec().setPartitionChange(PartitionChangeRecord.newBuilder()
            .setTopic(topic).setPartition(partition).setExpectedPartitionEpoch(partitionEpoch).setLeader(brokerId)
            .addAllIsr(newIsr))).build();
    }

    /**
     * Starts moving a partition to {@code target}: the replicas become target plus the current ones
     * (new replicas replicate from the leader and join the ISR); {@link #completeReassignments}
     * finishes once the ISR holds every target replica. The current replicas are kept as the
     * original ones ({@link #cancelReassignment} returns to them), with the throttle the leader
     * applies to the added replicas' catch-up.
     *
     * @param throttleBytesPerSec bytes per second for the added replicas out of the ISR; 0: none
     * @throws ControllerException INVALID_REQUEST for an empty or duplicated list, a broker not live,
     *     a negative throttle, or a partition already being moved
     */
    public static MetadataBatch reassignPartition(MetadataImage image, String topic, int partition, List<Integer> target,
                                                  long throttleBytesPerSec) {
        PartitionInfo p = requirePartition(image, topic, partition);
        if (target.isEmpty() || target.stream().distinct().count() != target.size()) {
            throw new ControllerException(ErrorCode.INVALID_REQUEST, "target replicas " + target + " must be non-empty and distinct");
        }
        if (throttleBytesPerSec < 0) {
            throw new ControllerException(ErrorCode.INVALID_REQUEST, "throttle must be >= 0 bytes/s, got " + throttleBytesPerSec);
        }
        if (p.reassigning()) {
            throw new ControllerException(ErrorCode.INVALID_REQUEST, "partition " + topic + "-" + partition
                + " is already being moved to " + p.targetReplicas() + "; cancel that first");
        }
        for (int r : target) {
            if (!isLive(image, r)) {
                throw new ControllerException(ErrorCode.INVALID_REQUEST, "broker " + r + " is not a live broker");
            }
        }
        List<Integer> union = new ArrayList<>(target);
        p.replicas().stream().filter(r -> !union.contains(r)).forEach(union::add);
        return MetadataBatch.newBuilder().addRecords(rec().setPartitionChange(PartitionChangeRecord.newBuilder()
            .setTopic(topic).setPartition(partition).setExpectedPartitionEpoch(p.partitionEpoch()).setLeader(p.leader())
            .addAllIsr(p.isr()).addAllReplicas(union).addAllTargetReplicas(target).addAllOriginalReplicas(p.replicas())
            .setThrottleBytesPerSec(throttleBytesPerSec))).build();
    }

    /**
     * Undoes a partition's ongoing move: the replicas become the original ones, the ISR keeps only
     * those of them (so no added replica stays in it), and leadership moves to the first original
     * replica in the ISR if an added one led. Every acknowledged record is on each ISR member, so
     * the original replicas left in the ISR hold them all.
     *
     * @throws ControllerException INVALID_REQUEST if the partition is not being moved, or if no
     *     original replica is in the ISR (cancelling would leave the partition without one)
     */
    public static MetadataBatch cancelReassignment(MetadataImage image, String topic, int partition) {
        PartitionInfo p = requirePartition(image, topic, partition);
        if (!p.reassigning()) {
            throw new ControllerException(ErrorCode.INVALID_REQUEST, "partition " + topic + "-" + partition
                + " is not being moved");
        }
        List<Integer> original = p.originalReplicas();
        List<Integer> isr = p.isr().stream().filter(original::contains).toList();
        if (isr.isEmpty()) {
            throw new ControllerException(ErrorCode.INVALID_REQUEST, "cannot cancel the move of " + topic + "-" + partition
                + ": none of its original replicas " + original + " is in the ISR " + p.isr());
        }
        int leader = original.contains(p.leader()) ? p.leader() : original.stream().filter(isr::contains).findFirst().orElseThrow();
        return MetadataBatch.newBuilder().addRecords(rec().setPartitionChange(PartitionChangeRecord.newBuilder()
            .setTopic(topic).setPartition(partition).setExpectedPartitionEpoch(p.partitionEpoch()).setLeader(leader)
            .addAllIsr(isr).addAllReplicas(original).setClearTarget(true))).build();
    }

    /**
     * Starts (or, with {@code cancel}, undoes) several partitions' moves at once, all or nothing:
     * every move is decided on the same image as {@link #reassignPartition} (or
     * {@link #cancelReassignment}) would alone, and only if none is refused do their records go
     * out as one batch, which the image applies whole or not at all.
     *
     * @param moves               the partitions with the replicas to end with (none with {@code cancel})
     * @param throttleBytesPerSec as {@link #reassignPartition}'s, for every move; 0 with {@code cancel}
     * @throws ControllerException INVALID_REQUEST for no moves, a negative throttle or a throttle
     *     with cancel (the request as a whole)
     * @throws MovesRefusedException naming each refused move (a partition named twice, replicas
     *     with cancel, and each single move's reasons); nothing is proposed
     */
    public static MetadataBatch reassignPartitions(MetadataImage image, List<ReassignmentMove> moves, long throttleBytesPerSec,
                                                   boolean cancel) {
        if (moves.isEmpty()) {
            throw new ControllerException(ErrorCode.INVALID_REQUEST, "no partition moves given");
        }
        if (throttleBytesPerSec < 0 || (cancel && throttleBytesPerSec != 0)) {
            throw new ControllerException(ErrorCode.INVALID_REQUEST, cancel ? "a cancel takes no throttle"
                : "throttle must be >= 0 bytes/s, got " + throttleBytesPerSec);
        }
        MetadataBatch.Builder batch = MetadataBatch.newBuilder();
        List<ReassignmentRefusal> refused = new ArrayList<>();
        Set<String> named = new HashSet<>();
        for (ReassignmentMove m : moves) {
            String name = m.getTopic() + "-" + m.getPartition();
            try {
                if (!named.add(name)) {
                    throw new ControllerException(ErrorCode.INVALID_REQUEST, "partition " + name + " is named twice in one request");
                }
                if (cancel && m.getReplicasCount() > 0) {
                    throw new ControllerException(ErrorCode.INVALID_REQUEST, "a cancel names no replicas, got "
                        + m.getReplicasList());
                }
                batch.addAllRecords((cancel ? cancelReassignment(image, m.getTopic(), m.getPartition())
                    : reassignPartition(image, m.getTopic(), m.getPartition(), m.getReplicasList(), throttleBytesPerSec))
                    .getRecordsList());
            } catch (ControllerException e) {
                refused.add(ReassignmentRefusal.newBuilder().setTopic(m.getTopic()).setPartition(m.getPartition())
                    .setError(e.code()).setErrorMessage(e.getMessage()).build());
            }
        }
        if (!refused.isEmpty()) {
            throw new MovesRefusedException(refused, moves.size());
        }
        return batch.build();
    }

    /**
     * Finishes every reassignment whose target replicas are all in the ISR: replicas become the
     * target, the ISR keeps only target replicas, and leadership moves to the first target replica
     * in the ISR if the leader is not kept.
     */
    public static MetadataBatch completeReassignments(MetadataImage image) {
        MetadataBatch.Builder batch = MetadataBatch.newBuilder();
        for (TopicInfo t : image.topics().values()) {
            for (PartitionInfo p : t.partitions().values()) {
                if (!p.reassigning() || !p.isr().containsAll(p.targetReplicas())) {
                    continue;
                }
                List<Integer> isr = p.isr().stream().filter(p.targetReplicas()::contains).toList();
                int leader = p.targetReplicas().contains(p.leader()) ? p.leader()
                    : p.targetReplicas().stream().filter(isr::contains).findFirst().orElse(PartitionInfo.NO_LEADER);
                batch.addRecords(rec().setPartitionChange(PartitionChangeRecord.newBuilder().setTopic(t.name())
                    .setPartition(p.partition()).setExpectedPartitionEpoch(p.partitionEpoch()).setLeader(leader)
                    .addAllIsr(isr).addAllReplicas(p.targetReplicas()).setClearTarget(true)));
            }
        }
        return batch.build();
    }
}
