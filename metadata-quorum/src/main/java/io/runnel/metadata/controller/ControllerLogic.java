package io.runnel.metadata.controller;

import io.runnel.metadata.image.BrokerInfo;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.metadata.image.PartitionInfo;
import io.runnel.metadata.image.TopicInfo;
import io.runnel.proto.v1.ConfigRecord;
import io.runnel.proto.v1.Endpoint;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.FenceBrokerRecord;
import io.runnel.proto.v1.MetadataBatch;
import io.runnel.proto.v1.MetadataRecord;
import io.runnel.proto.v1.PartitionChangeRecord;
import io.runnel.proto.v1.PartitionRecord;
import io.runnel.proto.v1.ProducerIdsRecord;
import io.runnel.proto.v1.RegisterBrokerRecord;
import io.runnel.proto.v1.RemoveTopicRecord;
import io.runnel.proto.v1.TopicRecord;
import io.runnel.proto.v1.UnfenceBrokerRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The controller's decisions as pure functions: from the current image and a request to the batch
 * of records that carries the decision out, or a {@link ControllerException} naming why not. No
 * state, no clock, no I/O, so every rule is unit-tested directly; the batch's own preconditions
 * (checked again when it is applied) keep a decision made on a stale image from doing harm.
 */
public final class ControllerLogic {
    private static final Pattern TOPIC_NAME = Pattern.compile("[a-zA-Z0-9._-]+");
    /** Kafka's limit, so topic directories (name + "-" + partition) stay under common file-name limits. */
    public static final int MAX_TOPIC_NAME_LENGTH = 249;

    private ControllerLogic() {
    }

    private static MetadataRecord.Builder rec() {
        return MetadataRecord.newBuilder();
    }

    // ---------------------------------------------------------------- brokers

    /** A registration without an internal endpoint: the broker serves Replication on its client endpoint. */
    public static MetadataBatch registerBroker(MetadataImage image, int brokerId, String incarnationId, String host, int port,
                                               String rack, boolean existingAlive) {
        return registerBroker(image, brokerId, incarnationId, host, port, null, rack, existingAlive);
    }

    /** A registration without a directory id (unknown: never counted as a replaced directory). */
    public static MetadataBatch registerBroker(MetadataImage image, int brokerId, String incarnationId, String host, int port,
                                               Endpoint internal, String rack, boolean existingAlive) {
        return registerBroker(image, new BrokerRegistrationRequest(brokerId, incarnationId, host, port, internal, rack, ""),
            existingAlive);
    }

    /**
     * A broker (re)joins. A new incarnation (a restart) leads nothing it led before; one whose log
     * directory id changed (a replaced, empty disk) also leaves every ISR, the last member too
     * ({@link #dropReplicasOfLostDirectory}), in the same batch as its registration.
     *
     * @param existingAlive whether a broker registered with this id is alive (heartbeating)
     * @throws ControllerException DUPLICATE_BROKER_REGISTRATION if another live incarnation holds the id
     */
    public static MetadataBatch registerBroker(MetadataImage image, BrokerRegistrationRequest request, boolean existingAlive) {
        int brokerId = request.brokerId();
        String incarnationId = request.incarnationId();
        String host = request.host();
        int port = request.port();
        Endpoint internal = request.internal();
        if (brokerId < 0 || incarnationId.isEmpty() || host.isEmpty() || port <= 0 || port > 65535) {
            throw new ControllerException(ErrorCode.INVALID_REQUEST, "broker id must be >= 0, incarnation and host non-empty, "
                + "port 1-65535; got " + brokerId + ", '" + incarnationId + "', '" + host + "', " + port);
        }
        if (internal != null && (internal.getHost().isEmpty() || internal.getPort() <= 0 || internal.getPort() > 65535)) {
            throw new ControllerException(ErrorCode.INVALID_REQUEST, "internal endpoint needs a non-empty host and a port "
                + "1-65535; got '" + internal.getHost() + "', " + internal.getPort());
        }
        Endpoint external = request.external();
        if (external != null && (external.getHost().isEmpty() || external.getPort() <= 0 || external.getPort() > 65535)) {
            throw new ControllerException(ErrorCode.INVALID_REQUEST, "external endpoint needs a non-empty host and a port "
                + "1-65535; got '" + external.getHost() + "', " + external.getPort());
        }
        BrokerInfo existing = image.brokers().get(brokerId);
        if (existing != null && !existing.incarnationId().equals(incarnationId) && existingAlive) {
            throw new ControllerException(ErrorCode.DUPLICATE_BROKER_REGISTRATION, "broker " + brokerId
                + " is registered and alive with another incarnation");
        }
        RegisterBrokerRecord.Builder record = RegisterBrokerRecord.newBuilder().setBrokerId(brokerId)
            .setIncarnationId(incarnationId).setRack(request.rack()).setEndpoint(Endpoint.newBuilder().setHost(host).setPort(port))
            .setDirectoryId(request.directoryId());
        if (internal != null) {
            record.setInternalEndpoint(internal);
        }
        if (external != null) {
            record.setExternalEndpoint(external);
        }
        MetadataBatch.Builder batch = MetadataBatch.newBuilder().addRecords(rec().setRegisterBroker(record));
        if (existing != null && existing.directoryChangedTo(request.directoryId())) {
            // Its log directory was replaced: whatever it held is gone (KIP-858's lost directory).
            batch.addAllRecords(dropReplicasOfLostDirectory(image, brokerId));
        } else if (existing != null && !existing.incarnationId().equals(incarnationId)) {
            // A new incarnation (a restart) starts fenced; what the old one led must not wait for it:
            // it may have lost unflushed records, so it rejoins as a follower and catches up first.
            batch.addAllRecords(moveAwayFrom(image, brokerId));
        }
        return batch.build();
    }

    /**
     * Takes a broker whose log directory was replaced out of every partition's leadership and ISR,
     * the last ISR member included: its replicas hold nothing, so counting it as in sync would let
     * it be elected and have the followers truncate to its empty log. A partition left without an
     * in-sync replica goes offline with an empty ISR (no clean leader exists: the copies that remain
     * were not known to be complete), unless the topic allows unclean election, where another live
     * replica leads. The broker rejoins each ISR the usual way, added by the leader once caught up.
     */
    static List<MetadataRecord> dropReplicasOfLostDirectory(MetadataImage image, int brokerId) {
        return changesWithout(image, brokerId, (p, isr, unclean) -> {
            int leader = p.leader() == brokerId || p.leader() == PartitionInfo.NO_LEADER
                ? electLeader(image, p, isr, false, brokerId) : p.leader();
            if (isr.isEmpty() && unclean) {
                leader = electLeader(image, p, isr, true, brokerId);
                return new LeaderAndIsr(leader, leader == PartitionInfo.NO_LEADER ? List.of() : List.of(leader));
            }
            return new LeaderAndIsr(leader, isr);
        });
    }

    /**
     * Fences a broker and moves its leaderships to other ISR members, removing it from every ISR
     * (kept as the last member if it is the only one, so no acknowledged data is declared lost).
     * Used for a missed session and for controlled shutdown.
     */
    public static MetadataBatch fenceBroker(MetadataImage image, int brokerId) {
        BrokerInfo b = requireBroker(image, brokerId);
        MetadataBatch.Builder batch = MetadataBatch.newBuilder();
        if (!b.fenced()) {
            batch.addRecords(rec().setFenceBroker(FenceBrokerRecord.newBuilder().setBrokerId(brokerId).setBrokerEpoch(b.epoch())));
        }
        batch.addAllRecords(moveAwayFrom(image, brokerId));
        return batch.build();
    }

    /** Leadership and ISR changes that take {@code brokerId} out of every partition's leadership and ISR. */
    static List<MetadataRecord> moveAwayFrom(MetadataImage image, int brokerId) {
        return changesWithout(image, brokerId, (p, isr, unclean) -> {
            int leader = p.leader() == brokerId ? electLeader(image, p, isr, unclean, brokerId) : p.leader();
            // The last ISR member stays listed, so a clean election can only ever pick it.
            return new LeaderAndIsr(leader, !isr.isEmpty() ? isr
                : leader == PartitionInfo.NO_LEADER ? List.of(brokerId) : List.of(leader));
        });
    }

    /** A partition's leader and ISR after a change. */
    private record LeaderAndIsr(int leader, List<Integer> isr) {
    }

    /** What a partition that {@code brokerId} leads or is in sync for becomes without it. */
    @FunctionalInterface
    private interface WithoutBroker {
        /**
         * @param isr     the ISR less the broker (mutable, the rule's to keep)
         * @param unclean whether the topic allows unclean leader election
         */
        LeaderAndIsr decide(PartitionInfo p, List<Integer> isr, boolean unclean);
    }

    /** One PartitionChange per partition that {@code brokerId} leads or is in sync for, as {@code rule} decides. */
    private static List<MetadataRecord> changesWithout(MetadataImage image, int brokerId, WithoutBroker rule) {
        List<MetadataRecord> out = new ArrayList<>();
        for (TopicInfo t : image.topics().values()) {
            boolean unclean = "true".equals(t.configs().get("unclean.leader.election.enable"));
            for (PartitionInfo p : t.partitions().values()) {
                if (p.leader() != brokerId && !p.isr().contains(brokerId)) {
                    continue;
                }
                List<Integer> isr = new ArrayList<>(p.isr());
                isr.remove(Integer.valueOf(brokerId));
                LeaderAndIsr next = rule.decide(p, isr, unclean);
                out.add(rec().setPartitionChange(PartitionChangeRecord.newBuilder().setTopic(t.name())
                    .setPartition(p.partition()).setExpectedPartitionEpoch(p.partitionEpoch()).setLeader(next.leader())
                    .addAllIsr(next.isr())).build());
            }
        }
        return out;
    }

    /** The first live ISR member in replica order; with unclean election, any live replica; else none. */
    private static int electLeader(MetadataImage image, PartitionInfo p, List<Integer> isr, boolean unclean, int excluded) {
        for (int r : p.replicas()) {
            if (r != excluded && isr.contains(r) && isLive(image, r)) {
                return r;
            }
        }
        if (unclean) {
            for (int r : p.replicas()) {
                if (r != excluded && isLive(image, r)) {
                    return r;
                }
            }
        }
        return PartitionInfo.NO_LEADER;
    }

    private static boolean isLive(MetadataImage image, int brokerId) {
        BrokerInfo b = image.brokers().get(brokerId);
        return b != null && !b.fenced();
    }

    /**
     * Unfences a broker that heartbeats at its current epoch and has caught up with metadata, and
     * gives offline partitions it can lead a leader again.
     */
    public static MetadataBatch unfenceBroker(MetadataImage image, int brokerId, long brokerEpoch) {
        BrokerInfo b = requireBroker(image, brokerId);
        if (b.epoch() != brokerEpoch) {
            throw new ControllerException(ErrorCode.STALE_BROKER_EPOCH, "broker " + brokerId + " is at epoch " + b.epoch()
                + ", not " + brokerEpoch);
        }
        MetadataBatch.Builder batch = MetadataBatch.newBuilder().addRecords(rec().setUnfenceBroker(
            UnfenceBrokerRecord.newBuilder().setBrokerId(brokerId).setBrokerEpoch(brokerEpoch)));
        for (TopicInfo t : image.topics().values()) {
            for (PartitionInfo p : t.partitions().values()) {
                if (p.leader() == PartitionInfo.NO_LEADER && p.isr().contains(brokerId)) {
                    batch.addRecords(rec().setPartitionChange(PartitionChangeRecord.newBuilder().setTopic(t.name())
                        .setPartition(p.partition()).setExpectedPartitionEpoch(p.partitionEpoch()).setLeader(brokerId)
                        .addAllIsr(p.isr())));
                }
            }
        }
        return batch.build();
    }

    private static BrokerInfo requireBroker(MetadataImage image, int brokerId) {
        BrokerInfo b = image.brokers().get(brokerId);
        if (b == null) {
            throw new ControllerException(ErrorCode.BROKER_NOT_REGISTERED, "broker " + brokerId + " is not registered");
        }
        return b;
    }

    // ---------------------------------------------------------------- topics

    /** @throws ControllerException INVALID_TOPIC naming what is wrong with the name */
    public static void validateTopicName(String name) {
        if (name == null || name.isEmpty()) {
            throw new ControllerException(ErrorCode.INVALID_TOPIC, "topic name is empty");
        }
        if (name.equals(".") || name.equals("..")) {
            throw new ControllerException(ErrorCode.INVALID_TOPIC, "topic name cannot be '" + name + "'");
        }
        if (name.length() > MAX_TOPIC_NAME_LENGTH) {
            throw new ControllerException(ErrorCode.INVALID_TOPIC, "topic name is " + name.length()
                + " characters, over the limit of " + MAX_TOPIC_NAME_LENGTH);
        }
        if (!TOPIC_NAME.matcher(name).matches()) {
            throw new ControllerException(ErrorCode.INVALID_TOPIC, "topic name '" + name
                + "' has characters outside [a-zA-Z0-9._-]");
        }
    }

    /**
     * A topic with its partitions placed over the live brokers.
     *
     * @throws ControllerException INVALID_TOPIC, TOPIC_ALREADY_EXISTS, INVALID_PARTITIONS,
     *                             INVALID_REPLICATION_FACTOR or INVALID_CONFIG
     */
    public static MetadataBatch createTopic(MetadataImage image, String name, int partitions, int replicationFactor,
                                            Map<String, String> configs, UUID topicId) {
        validateTopicName(name);
        if (image.topics().containsKey(name)) {
            throw new ControllerException(ErrorCode.TOPIC_ALREADY_EXISTS, "topic '" + name + "' already exists");
        }
        if (partitions < 1) {
            throw new ControllerException(ErrorCode.INVALID_PARTITIONS, "partition count must be at least 1, got " + partitions);
        }
        TopicConfigs.validate(configs);
        List<List<Integer>> placement = ReplicaPlacer.place(image, partitions, replicationFactor);
        MetadataBatch.Builder batch = MetadataBatch.newBuilder().addRecords(rec().setTopic(TopicRecord.newBuilder()
            .setName(name).setTopicId(topicId.toString()).putAllConfigs(configs)));
        for (int p = 0; p < partitions; p++) {
            List<Integer> replicas = placement.get(p);
            batch.addRecords(rec().setPartition(PartitionRecord.newBuilder().setTopic(name).setPartition(p)
                .addAllReplicas(replicas).addAllIsr(replicas).setLeader(replicas.get(0))));
        }
        return batch.build();
    }

    /**
     * Topics the brokers keep for themselves. Deleting the offsets topic would lose every group's
     * offsets, and growing it would move groups to partitions that do not hold their state
     * (a group's partition is its id's hash modulo the count).
     */
    public static final String OFFSETS_TOPIC = "__consumer_offsets";
    public static final java.util.Set<String> INTERNAL_TOPICS = java.util.Set.of(OFFSETS_TOPIC);

    private static void refuseInternal(String name, String what) {
        if (INTERNAL_TOPICS.contains(name)) {
            throw new ControllerException(ErrorCode.INVALID_TOPIC, "'" + name + "' is internal: it cannot be " + what);
        }
    }

    public static MetadataBatch deleteTopic(MetadataImage image, String name) {
        refuseInternal(name, "deleted");
        TopicInfo t = requireTopic(image, name);
        return MetadataBatch.newBuilder().addRecords(rec().setRemoveTopic(RemoveTopicRecord.newBuilder()
            .setName(name).setTopicId(t.topicId()))).build();
    }

    public static MetadataBatch increasePartitions(MetadataImage image, String name, int newCount) {
        refuseInternal(name, "given more partitions");
        TopicInfo t = requireTopic(image, name);
        int current = t.partitions().size();
        if (newCount <= current) {
            throw new ControllerException(ErrorCode.INVALID_PARTITIONS, "topic '" + name + "' has " + current
                + " partitions; the new count must be higher, got " + newCount);
        }
        int rf = t.partitions().get(0).replicas().size();
        List<List<Integer>> placement = ReplicaPlacer.place(image, newCount - current, rf);
        MetadataBatch.Builder batch = MetadataBatch.newBuilder();
        for (int i = 0; i < placement.size(); i++) {
            List<Integer> replicas = placement.get(i);
            batch.addRecords(rec().setPartition(PartitionRecord.newBuilder().setTopic(name).setPartition(current + i)
                .addAllReplicas(replicas).addAllIsr(replicas).setLeader(replicas.get(0))));
        }
        return batch.build();
    }

    /** Replaces the topic's overrides with {@code configs} merged over the current ones. */
    public static MetadataBatch alterConfigs(MetadataImage image, String name, Map<String, String> changes) {
        TopicInfo t = requireTopic(image, name);
        TopicConfigs.validate(changes);
        Map<String, String> merged = new java.util.TreeMap<>(t.configs());
        merged.putAll(changes);
        return MetadataBatch.newBuilder().addRecords(rec().setConfig(ConfigRecord.newBuilder().setTopic(name)
            .putAllConfigs(merged))).build();
    }

    private static TopicInfo requireTopic(MetadataImage image, String name) {
        TopicInfo t = image.topics().get(name);
        if (t == null) {
            throw new ControllerException(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "topic '" + name + "' does not exist");
        }
        return t;
    }

    // ---------------------------------------------------------------- partitions

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
        TopicInfo t = requireTopic(image, topic);
        PartitionInfo p = t.partitions().get(partition);
        if (p == null) {
            throw new ControllerException(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "partition " + topic + "-" + partition
                + " does not exist");
        }
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

    private static PartitionInfo requirePartition(MetadataImage image, String topic, int partition) {
        PartitionInfo p = requireTopic(image, topic).partitions().get(partition);
        if (p == null) {
            throw new ControllerException(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "partition " + topic + "-" + partition
                + " does not exist");
        }
        return p;
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

    /** Reserves the next block of producer ids. */
    public static MetadataBatch allocateProducerIds(MetadataImage image, int brokerId, int blockSize) {
        return MetadataBatch.newBuilder().addRecords(rec().setProducerIds(ProducerIdsRecord.newBuilder().setBrokerId(brokerId)
            .setNextBlockStart(image.nextProducerId()).setBlockSize(blockSize))).build();
    }
}
