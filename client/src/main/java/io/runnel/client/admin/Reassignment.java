package io.runnel.client.admin;

import io.runnel.client.common.TopicPartition;
import io.runnel.proto.v1.MetadataImageProto;
import io.runnel.proto.v1.PartitionRegistration;
import io.runnel.proto.v1.ReassignPartitionRequest;
import io.runnel.proto.v1.ReassignmentMove;
import io.runnel.proto.v1.TopicImage;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A partition move under way, as {@link RunnelAdmin#listReassignments} shows it (Kafka's
 * {@code kafka-reassign-partitions --list}). A partition not listed is not being moved: its last
 * move completed or was cancelled.
 *
 * @param topic               the topic
 * @param partition           the partition
 * @param originalReplicas    the replicas before the move (a cancel returns to them)
 * @param targetReplicas      the replicas to end with
 * @param addingReplicas      the replicas the move adds, catching up from the leader
 * @param isr                 the in-sync replicas now (the move completes once it holds every target replica)
 * @param throttleBytesPerSec the leader's limit on what it sends the added replicas out of the ISR; 0: none
 */
public record Reassignment(String topic, int partition, List<Integer> originalReplicas, List<Integer> targetReplicas,
                           List<Integer> addingReplicas, List<Integer> isr, long throttleBytesPerSec) {
    public Reassignment {
        originalReplicas = List.copyOf(originalReplicas);
        targetReplicas = List.copyOf(targetReplicas);
        addingReplicas = List.copyOf(addingReplicas);
        isr = List.copyOf(isr);
    }

    /** The moves under way in a DescribeCluster image, by topic then partition. */
    static List<Reassignment> of(MetadataImageProto image) {
        List<Reassignment> out = new ArrayList<>();
        for (TopicImage t : image.getTopicsList()) {
            for (PartitionRegistration p : t.getPartitionsList()) {
                if (p.getTargetReplicasCount() > 0) {
                    out.add(new Reassignment(t.getName(), p.getPartition(), p.getOriginalReplicasList(),
                        p.getTargetReplicasList(), p.getReplicasList().stream().filter(r -> !p.getOriginalReplicasList().contains(r))
                            .toList(), p.getIsrList(), p.getThrottleBytesPerSec()));
                }
            }
        }
        return out;
    }

    /**
     * The request to move {@code topic}-{@code partition} to {@code replicas}.
     *
     * @throws IllegalArgumentException for an empty topic, a negative partition or throttle, or no replicas
     */
    static ReassignPartitionRequest start(String topic, int partition, List<Integer> replicas, long throttleBytesPerSec) {
        check(topic, partition);
        if (replicas.isEmpty()) {
            throw new IllegalArgumentException("a reassignment needs the replicas to move to");
        }
        if (throttleBytesPerSec < 0) {
            throw new IllegalArgumentException("throttle must be >= 0 bytes/s (0: none), got " + throttleBytesPerSec);
        }
        return ReassignPartitionRequest.newBuilder().setTopic(topic).setPartition(partition).addAllReplicas(replicas)
            .setThrottleBytesPerSec(throttleBytesPerSec).build();
    }

    /** The request to cancel the move of {@code topic}-{@code partition}. */
    static ReassignPartitionRequest cancel(String topic, int partition) {
        check(topic, partition);
        return ReassignPartitionRequest.newBuilder().setTopic(topic).setPartition(partition).setCancel(true).build();
    }

    /**
     * The request to make {@code moves} in one metadata batch, all or nothing.
     *
     * @throws IllegalArgumentException for no moves, a partition named twice, or a negative throttle
     */
    static ReassignPartitionRequest startAll(List<PartitionMove> moves, long throttleBytesPerSec) {
        if (throttleBytesPerSec < 0) {
            throw new IllegalArgumentException("throttle must be >= 0 bytes/s (0: none), got " + throttleBytesPerSec);
        }
        checkOnce(moves.stream().map(m -> new TopicPartition(m.topic(), m.partition())).toList());
        ReassignPartitionRequest.Builder request = ReassignPartitionRequest.newBuilder().setThrottleBytesPerSec(throttleBytesPerSec);
        moves.forEach(m -> request.addMoves(ReassignmentMove.newBuilder().setTopic(m.topic()).setPartition(m.partition())
            .addAllReplicas(m.replicas())));
        return request.build();
    }

    /**
     * The request to cancel the moves of {@code partitions} in one metadata batch, all or nothing.
     *
     * @throws IllegalArgumentException for no partitions or one named twice
     */
    static ReassignPartitionRequest cancelAll(List<TopicPartition> partitions) {
        checkOnce(partitions);
        ReassignPartitionRequest.Builder request = ReassignPartitionRequest.newBuilder().setCancel(true);
        partitions.forEach(p -> request.addMoves(ReassignmentMove.newBuilder().setTopic(p.topic()).setPartition(p.partition())));
        return request.build();
    }

    private static void checkOnce(List<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            throw new IllegalArgumentException("no partition moves given");
        }
        Set<TopicPartition> named = new HashSet<>();
        for (TopicPartition p : partitions) {
            check(p.topic(), p.partition());
            if (!named.add(p)) {
                throw new IllegalArgumentException(p + " is moved twice in one reassignment");
            }
        }
    }

    private static void check(String topic, int partition) {
        if (topic == null || topic.isEmpty()) {
            throw new IllegalArgumentException("topic name must not be empty");
        }
        if (partition < 0) {
            throw new IllegalArgumentException("partition must be >= 0, got " + partition);
        }
    }
}
