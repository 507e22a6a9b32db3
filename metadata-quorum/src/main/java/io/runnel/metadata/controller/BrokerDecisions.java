package io.runnel.metadata.controller;

import static io.runnel.metadata.controller.ImageLookups.isLive;
import static io.runnel.metadata.controller.ImageLookups.requireBroker;

import io.runnel.metadata.image.BrokerInfo;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.metadata.image.PartitionInfo;
import io.runnel.metadata.image.TopicInfo;
import io.runnel.proto.v1.Endpoint;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.FenceBrokerRecord;
import io.runnel.proto.v1.MetadataBatch;
import io.runnel.proto.v1.MetadataRecord;
import io.runnel.proto.v1.PartitionChangeRecord;
import io.runnel.proto.v1.ProducerIdsRecord;
import io.runnel.proto.v1.RegisterBrokerRecord;
import io.runnel.proto.v1.UnfenceBrokerRecord;
import java.util.ArrayList;
import java.util.List;

/**
 * The controller's decisions about brokers, as pure functions (see {@link ControllerLogic} for the
 * contract they share): registration, fencing (a missed session, a controlled shutdown) with the
 * leader elections it forces, unfencing, and producer-id blocks.
 */
public final class BrokerDecisions {
    private BrokerDecisions() {
    }

    private static MetadataRecord.Builder rec() {
        return MetadataRecord.newBuilder();
    }

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

    /** Reserves the next block of producer ids. */
    public static MetadataBatch allocateProducerIds(MetadataImage image, int brokerId, int blockSize) {
        return MetadataBatch.newBuilder().addRecords(rec().setProducerIds(ProducerIdsRecord.newBuilder().setBrokerId(brokerId)
            .setNextBlockStart(image.nextProducerId()).setBlockSize(blockSize))).build();
    }
}
