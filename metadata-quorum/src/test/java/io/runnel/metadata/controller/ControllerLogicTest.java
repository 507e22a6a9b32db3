package io.runnel.metadata.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runnel.metadata.image.BrokerInfo;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.metadata.image.PartitionInfo;
import io.runnel.proto.v1.BrokerRegistration;
import io.runnel.proto.v1.Endpoint;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.MetadataBatch;
import io.runnel.proto.v1.MetadataImageProto;
import io.runnel.proto.v1.MetadataRecord;
import io.runnel.proto.v1.PartitionChangeRecord;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ControllerLogicTest {
    private long index;
    private MetadataImage image = MetadataImage.EMPTY;

    private MetadataImage.Applied apply(MetadataBatch batch) {
        MetadataImage.Applied applied = image.apply(batch, 1, ++index);
        image = applied.image();
        return applied;
    }

    private void brokers(int count, String... racks) {
        for (int id = 1; id <= count; id++) {
            apply(ControllerLogic.registerBroker(image, id, "inc-" + id, "host" + id, 9092, racks.length == 0 ? "" : racks[id % racks.length], false));
            apply(ControllerLogic.unfenceBroker(image, id, image.brokers().get(id).epoch()));
        }
    }

    private ErrorCode refusal(Runnable r) {
        return assertThrows(ControllerException.class, r::run).code();
    }

    @Test
    void placement_sixBrokers_hundredTopics_isEvenWithinOne() {
        brokers(6);
        for (int t = 0; t < 100; t++) {
            assertTrue(apply(ControllerLogic.createTopic(image, "topic-" + t, 6, 3, Map.of(), UUID.randomUUID())).accepted());
        }
        Map<Integer, Integer> replicas = new HashMap<>();
        Map<Integer, Integer> leaders = new HashMap<>();
        for (Map.Entry<String, PartitionInfo> e : image.allPartitions()) {
            PartitionInfo p = e.getValue();
            assertEquals(3, p.replicas().stream().distinct().count());
            p.replicas().forEach(r -> replicas.merge(r, 1, Integer::sum));
            leaders.merge(p.leader(), 1, Integer::sum);
        }
        // 600 partitions x 3 = 1800 replicas: 300 each; 600 leaders: 100 each.
        replicas.values().forEach(n -> assertTrue(Math.abs(n - 300) <= 1, "replicas " + replicas));
        leaders.values().forEach(n -> assertTrue(Math.abs(n - 100) <= 1, "leaders " + leaders));
    }

    @Test
    void placement_isRackAware() {
        brokers(6, "a", "b", "c");
        apply(ControllerLogic.createTopic(image, "t", 12, 3, Map.of(), UUID.randomUUID()));
        for (Map.Entry<String, PartitionInfo> e : image.allPartitions()) {
            assertEquals(3, e.getValue().replicas().stream().map(r -> image.brokers().get(r).rack()).distinct().count(),
                "one replica per rack: " + e.getValue());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ".", "..", "has space", "sl/ash", "ünïcode"})
    void badTopicNames_areRefusedWithInvalidTopic(String name) {
        brokers(1);
        assertEquals(ErrorCode.INVALID_TOPIC, refusal(() -> ControllerLogic.createTopic(image, name, 1, 1, Map.of(), UUID.randomUUID())));
    }

    @Test
    void badCreateArguments_eachGetTheirCode() {
        brokers(3);
        assertEquals(ErrorCode.INVALID_TOPIC, refusal(() -> ControllerLogic.createTopic(image, "x".repeat(250), 1, 1, Map.of(), UUID.randomUUID())));
        ControllerLogic.validateTopicName("x".repeat(249));
        assertEquals(ErrorCode.INVALID_PARTITIONS, refusal(() -> ControllerLogic.createTopic(image, "t", 0, 1, Map.of(), UUID.randomUUID())));
        assertEquals(ErrorCode.INVALID_PARTITIONS, refusal(() -> ControllerLogic.createTopic(image, "t", -3, 1, Map.of(), UUID.randomUUID())));
        assertEquals(ErrorCode.INVALID_REPLICATION_FACTOR, refusal(() -> ControllerLogic.createTopic(image, "t", 1, 4, Map.of(), UUID.randomUUID())));
        assertEquals(ErrorCode.INVALID_CONFIG, refusal(() -> ControllerLogic.createTopic(image, "t", 1, 1, Map.of("colour", "red"), UUID.randomUUID())));
        assertEquals(ErrorCode.INVALID_CONFIG, refusal(() -> ControllerLogic.createTopic(image, "t", 1, 1, Map.of("retention.ms", "soon"), UUID.randomUUID())));
        apply(ControllerLogic.createTopic(image, "t", 1, 1, Map.of("retention.ms", "1000"), UUID.randomUUID()));
        assertEquals(ErrorCode.TOPIC_ALREADY_EXISTS, refusal(() -> ControllerLogic.createTopic(image, "t", 1, 1, Map.of(), UUID.randomUUID())));
    }

    @Test
    void theOffsetsTopic_cannotBeDeletedOrGrown() {
        brokers(1);
        apply(ControllerLogic.createTopic(image, "__consumer_offsets", 4, 1, Map.of("cleanup.policy", "compact"), UUID.randomUUID()));
        assertEquals(ErrorCode.INVALID_TOPIC, refusal(() -> ControllerLogic.deleteTopic(image, "__consumer_offsets")));
        assertEquals(ErrorCode.INVALID_TOPIC, refusal(() -> ControllerLogic.increasePartitions(image, "__consumer_offsets", 8)));
    }

    @Test
    void racingCreates_theSecondIsRejectedWhenApplied() {
        brokers(1);
        MetadataBatch first = ControllerLogic.createTopic(image, "t", 2, 1, Map.of(), UUID.randomUUID());
        MetadataBatch second = ControllerLogic.createTopic(image, "t", 3, 1, Map.of(), UUID.randomUUID());
        assertTrue(apply(first).accepted());
        MetadataImage.Applied rejected = apply(second);
        assertEquals(ErrorCode.TOPIC_ALREADY_EXISTS, rejected.error());
        assertEquals(2, image.topics().get("t").partitions().size(), "the rejected batch changed nothing");
        assertEquals(index, image.offset(), "but the offset moved on");
    }

    @Test
    void fencing_movesLeadershipToAnIsrMember_andBumpsTheLeaderEpoch() {
        brokers(3);
        apply(ControllerLogic.createTopic(image, "t", 3, 3, Map.of(), UUID.randomUUID()));
        PartitionInfo before = image.topics().get("t").partitions().get(0);
        int leader = before.leader();
        assertTrue(apply(ControllerLogic.fenceBroker(image, leader)).accepted());
        PartitionInfo after = image.topics().get("t").partitions().get(0);
        assertTrue(image.brokers().get(leader).fenced());
        assertTrue(after.leader() != leader && before.isr().contains(after.leader()));
        assertEquals(before.leaderEpoch() + 1, after.leaderEpoch());
        assertFalse(after.isr().contains(leader));
        for (Map.Entry<String, PartitionInfo> e : image.allPartitions()) {
            assertTrue(e.getValue().leader() != leader);
        }
    }

    @Test
    void emptyIsr_staysOffline_unlessUncleanElectionIsEnabled() {
        brokers(3);
        apply(ControllerLogic.createTopic(image, "clean", 1, 3, Map.of(), UUID.randomUUID()));
        apply(ControllerLogic.createTopic(image, "dirty", 1, 3, Map.of("unclean.leader.election.enable", "true"), UUID.randomUUID()));
        for (String t : List.of("clean", "dirty")) {
            PartitionInfo p = image.topics().get(t).partitions().get(0);
            apply(ControllerLogic.alterPartition(image, p.leader(), image.brokers().get(p.leader()).epoch(), t, 0,
                p.leaderEpoch(), p.partitionEpoch(), List.of(p.leader())));
        }
        int leaderOfClean = image.topics().get("clean").partitions().get(0).leader();
        int leaderOfDirty = image.topics().get("dirty").partitions().get(0).leader();
        apply(ControllerLogic.fenceBroker(image, leaderOfClean));
        if (leaderOfDirty != leaderOfClean) {
            apply(ControllerLogic.fenceBroker(image, leaderOfDirty));
        }
        assertEquals(PartitionInfo.NO_LEADER, image.topics().get("clean").partitions().get(0).leader());
        assertEquals(List.of(leaderOfClean), image.topics().get("clean").partitions().get(0).isr());
        int dirtyLeader = image.topics().get("dirty").partitions().get(0).leader();
        assertTrue(dirtyLeader != PartitionInfo.NO_LEADER && !image.brokers().get(dirtyLeader).fenced());

        // The last ISR member comes back: the offline partition gets its leader again.
        BrokerInfo back = image.brokers().get(leaderOfClean);
        apply(ControllerLogic.unfenceBroker(image, leaderOfClean, back.epoch()));
        assertEquals(leaderOfClean, image.topics().get("clean").partitions().get(0).leader());
    }

    @Test
    void alterPartition_staleEpochIsRejected() {
        brokers(3);
        apply(ControllerLogic.createTopic(image, "t", 1, 3, Map.of(), UUID.randomUUID()));
        PartitionInfo p = image.topics().get("t").partitions().get(0);
        long epoch = image.brokers().get(p.leader()).epoch();
        List<Integer> shrunk = List.of(p.leader(), p.replicas().get(1));
        MetadataBatch first = ControllerLogic.alterPartition(image, p.leader(), epoch, "t", 0, p.leaderEpoch(), p.partitionEpoch(), shrunk);
        assertTrue(apply(first).accepted());
        assertEquals(ErrorCode.INVALID_UPDATE_VERSION, refusal(() -> ControllerLogic.alterPartition(image, p.leader(), epoch, "t", 0,
            p.leaderEpoch(), p.partitionEpoch(), List.of(p.leader()))));
        // The same stale batch replayed (say, by a deposed controller) is a no-op when applied.
        assertEquals(ErrorCode.INVALID_UPDATE_VERSION, apply(first).error());
        assertEquals(ErrorCode.NOT_LEADER, refusal(() -> ControllerLogic.alterPartition(image, p.replicas().get(1),
            image.brokers().get(p.replicas().get(1)).epoch(), "t", 0, p.leaderEpoch(), 1, shrunk)));
        assertEquals(ErrorCode.STALE_BROKER_EPOCH, refusal(() -> ControllerLogic.alterPartition(image, p.leader(), epoch - 1, "t", 0,
            p.leaderEpoch(), 1, shrunk)));
    }

    @Test
    void duplicateLiveRegistration_isRefused_aRestartReplacesIt() {
        brokers(1);
        assertEquals(ErrorCode.DUPLICATE_BROKER_REGISTRATION,
            refusal(() -> ControllerLogic.registerBroker(image, 1, "other", "h", 1, "", true)));
        long oldEpoch = image.brokers().get(1).epoch();
        apply(ControllerLogic.registerBroker(image, 1, "restarted", "h", 1, "", false));
        assertTrue(image.brokers().get(1).epoch() > oldEpoch);
        assertTrue(image.brokers().get(1).fenced(), "a new registration starts fenced until it catches up");
        assertEquals(ErrorCode.STALE_BROKER_EPOCH, refusal(() -> ControllerLogic.unfenceBroker(image, 1, oldEpoch)));
    }

    @Test
    void reassignment_addsTargetsFirst_completesOnlyOnceTheyAreAllInTheIsr() {
        brokers(4);
        apply(ControllerLogic.createTopic(image, "t", 1, 2, Map.of(), UUID.randomUUID()));
        PartitionInfo before = image.topics().get("t").partitions().get(0);
        List<Integer> target = new java.util.ArrayList<>(List.of(1, 2, 3, 4));
        target.removeAll(before.replicas());
        assertEquals(ErrorCode.INVALID_REQUEST, refusal(() -> ControllerLogic.reassignPartition(image, "t", 0, List.of(), 0)));
        assertEquals(ErrorCode.INVALID_REQUEST, refusal(() -> ControllerLogic.reassignPartition(image, "t", 0, List.of(9), 0)));
        assertTrue(apply(ControllerLogic.reassignPartition(image, "t", 0, target, 0)).accepted());
        PartitionInfo moving = image.topics().get("t").partitions().get(0);
        assertEquals(4, moving.replicas().size());
        assertEquals(target, moving.targetReplicas());
        assertEquals(0, ControllerLogic.completeReassignments(image).getRecordsCount(), "targets not in the ISR yet");

        long epoch = image.brokers().get(moving.leader()).epoch();
        List<Integer> grown = new java.util.ArrayList<>(moving.isr());
        grown.addAll(target);
        apply(ControllerLogic.alterPartition(image, moving.leader(), epoch, "t", 0, moving.leaderEpoch(), moving.partitionEpoch(), grown));
        assertTrue(apply(ControllerLogic.completeReassignments(image)).accepted());
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
        List<Integer> target = new java.util.ArrayList<>(List.of(1, 2, 3, 4));
        target.removeAll(before.replicas());
        assertEquals(ErrorCode.INVALID_REQUEST, refusal(() -> ControllerLogic.cancelReassignment(image, "t", 0)), "nothing to cancel");
        assertEquals(ErrorCode.INVALID_REQUEST, refusal(() -> ControllerLogic.reassignPartition(image, "t", 0, target, -1)));
        assertTrue(apply(ControllerLogic.reassignPartition(image, "t", 0, target, 5000)).accepted());
        PartitionInfo moving = image.topics().get("t").partitions().get(0);
        assertEquals(before.replicas(), moving.originalReplicas());
        assertEquals(target, moving.addingReplicas());
        assertEquals(5000, moving.throttleBytesPerSec());
        assertEquals(image, MetadataImage.fromProto(image.toProto()), "the move's original replicas and throttle are in snapshots");
        assertEquals(ErrorCode.INVALID_REQUEST, refusal(() -> ControllerLogic.reassignPartition(image, "t", 0, before.replicas(), 0)),
            "a second move while one is under way");

        // One added replica caught up (in the ISR), the other not: the move cannot complete.
        List<Integer> grown = new java.util.ArrayList<>(moving.isr());
        grown.add(target.get(0));
        apply(ControllerLogic.alterPartition(image, moving.leader(), image.brokers().get(moving.leader()).epoch(), "t", 0,
            moving.leaderEpoch(), moving.partitionEpoch(), grown));
        assertEquals(0, ControllerLogic.completeReassignments(image).getRecordsCount());

        assertTrue(apply(ControllerLogic.cancelReassignment(image, "t", 0)).accepted());
        PartitionInfo after = image.topics().get("t").partitions().get(0);
        assertEquals(before.replicas(), after.replicas());
        assertEquals(before.isr(), after.isr(), "the added replica left the ISR");
        assertEquals(before.leader(), after.leader());
        assertFalse(after.reassigning());
        assertEquals(List.of(), after.originalReplicas());
        assertEquals(0, after.throttleBytesPerSec());
        assertEquals(ErrorCode.INVALID_REQUEST, refusal(() -> ControllerLogic.cancelReassignment(image, "t", 0)));
    }

    @Test
    void imageRoundTripsThroughItsProto() {
        brokers(3, "r1", "r2");
        apply(ControllerLogic.createTopic(image, "t", 4, 2, Map.of("retention.ms", "5"), UUID.randomUUID()));
        apply(ControllerLogic.allocateProducerIds(image, 1, 1000));
        assertEquals(image, MetadataImage.fromProto(image.toProto()));
        assertEquals(1000, image.nextProducerId());
    }

    @Test
    void aRestartedBroker_newIncarnation_givesUpWhatItLed_andRejoinsAsFollower() {
        // A broker killed and restarted before its session ended: it may have lost unflushed
        // records, so its partitions must not wait for it, nor be led by it as it comes back.
        brokers(3);
        apply(ControllerLogic.createTopic(image, "t", 6, 3, Map.of(), UUID.randomUUID()));
        long ledBefore = image.allPartitions().stream().filter(e -> e.getValue().leader() == 2).count();
        assertTrue(ledBefore > 0);
        assertTrue(apply(ControllerLogic.registerBroker(image, 2, "inc-2-restarted", "host2", 9092, "", false)).accepted());
        assertTrue(image.brokers().get(2).fenced());
        for (Map.Entry<String, PartitionInfo> e : image.allPartitions()) {
            assertTrue(e.getValue().leader() != 2 && !e.getValue().isr().contains(2), e.toString());
        }
        // The same incarnation registering again (a lost answer) moves nothing.
        int epochs = image.allPartitions().stream().mapToInt(e -> e.getValue().partitionEpoch()).sum();
        apply(ControllerLogic.registerBroker(image, 2, "inc-2-restarted", "host2", 9092, "", false));
        assertEquals(epochs, image.allPartitions().stream().mapToInt(e -> e.getValue().partitionEpoch()).sum());
    }

    private void register(int id, String incarnation, String directoryId) {
        assertTrue(apply(ControllerLogic.registerBroker(image, new BrokerRegistrationRequest(id, incarnation, "host" + id, 9092,
            null, "", directoryId), false)).accepted());
    }

    @Test
    void aBrokerBackWithAReplacedLogDirectory_leavesEveryIsr_theLastMemberToo_andLeadsNothing() {
        // Issue 14 item 1: the ISR shrank to broker 1, which then came back with an empty disk (a
        // new directory id). Kept as the last ISR member, its unfencing elected it and the others
        // truncated to its empty log.
        for (int id = 1; id <= 3; id++) {
            register(id, "inc-" + id, "dir-" + id);
            apply(ControllerLogic.unfenceBroker(image, id, image.brokers().get(id).epoch()));
        }
        apply(ControllerLogic.createTopic(image, "clean", 1, 3, Map.of(), UUID.randomUUID()));
        apply(ControllerLogic.createTopic(image, "unclean", 1, 3, Map.of("unclean.leader.election.enable", "true"),
            UUID.randomUUID()));
        apply(ControllerLogic.createTopic(image, "shared", 1, 3, Map.of(), UUID.randomUUID()));
        for (String topic : List.of("clean", "unclean")) {
            PartitionInfo p = image.topics().get(topic).partitions().get(0);
            int leader = p.leader();
            long epoch = image.brokers().get(leader).epoch();
            apply(ControllerLogic.alterPartition(image, leader, epoch, topic, 0, p.leaderEpoch(), p.partitionEpoch(),
                List.of(leader)));
            if (leader != 1) { // make broker 1 the only ISR member
                p = image.topics().get(topic).partitions().get(0);
                apply(MetadataBatch.newBuilder().addRecords(MetadataRecord.newBuilder().setPartitionChange(
                    PartitionChangeRecord.newBuilder().setTopic(topic).setPartition(0)
                        .setExpectedPartitionEpoch(p.partitionEpoch()).setLeader(1).addIsr(1))).build());
            }
        }
        // Broker 1 stops (fenced: the ISR keeps it as the last member, offline), brokers 2 and 3 are live.
        apply(ControllerLogic.fenceBroker(image, 1));
        assertEquals(List.of(1), image.topics().get("clean").partitions().get(0).isr());
        assertEquals(PartitionInfo.NO_LEADER, image.topics().get("clean").partitions().get(0).leader());

        register(1, "inc-1-wiped", "dir-1-new");
        PartitionInfo clean = image.topics().get("clean").partitions().get(0);
        assertEquals(List.of(), clean.isr(), "no replica is known to hold the committed records");
        assertEquals(PartitionInfo.NO_LEADER, clean.leader());
        PartitionInfo unclean = image.topics().get("unclean").partitions().get(0);
        assertTrue(unclean.leader() == 2 || unclean.leader() == 3, "unclean election picks a live replica other than 1: "
            + unclean);
        assertEquals(List.of(unclean.leader()), unclean.isr());
        PartitionInfo shared = image.topics().get("shared").partitions().get(0);
        assertFalse(shared.isr().contains(1));
        assertTrue(shared.leader() != 1 && shared.leader() != PartitionInfo.NO_LEADER);

        // Unfencing must not elect it anywhere: it is in no ISR.
        apply(ControllerLogic.unfenceBroker(image, 1, image.brokers().get(1).epoch()));
        image.allPartitions().forEach(e -> assertTrue(e.getValue().leader() != 1, e.toString()));
        assertEquals("dir-1-new", MetadataImage.fromProto(image.toProto()).brokers().get(1).directoryId());

        // A restart on the same directory, or from a broker that sends no id, is not a lost directory.
        assertFalse(image.brokers().get(1).directoryChangedTo("dir-1-new"));
        assertFalse(image.brokers().get(1).directoryChangedTo(""));
    }

    @Test
    void registrationsAndImagesWithoutADirectoryId_loadAsUnknown_andNeverCountAsAChange() {
        // Written before directory ids existed.
        apply(ControllerLogic.registerBroker(image, 1, "inc-1", "h", 9092, "", false));
        assertEquals("", image.brokers().get(1).directoryId());
        MetadataImageProto old = image.toProto().toBuilder().setBrokers(0, image.toProto().getBrokers(0).toBuilder()
            .clearDirectoryId()).build();
        assertEquals("", MetadataImage.fromProto(old).brokers().get(1).directoryId());
        assertFalse(image.brokers().get(1).directoryChangedTo("dir-new"), "an upgrade is not a lost directory");
    }

    @Test
    void internalEndpoint_isRegisteredAndRoundTrips_andIsCheckedWhenGiven() {
        apply(ControllerLogic.registerBroker(image, 1, "inc-1", "clients.example", 9092,
            Endpoint.newBuilder().setHost("brokers.internal").setPort(9093).build(), "", false));
        BrokerInfo b = image.brokers().get(1);
        assertEquals("clients.example:9092", b.host() + ":" + b.port());
        assertEquals("brokers.internal:9093", b.internalHost() + ":" + b.internalPort());
        assertEquals(image, MetadataImage.fromProto(image.toProto()));
        assertEquals(ErrorCode.INVALID_REQUEST, refusal(() -> ControllerLogic.registerBroker(image, 2, "inc-2", "h", 9092,
            Endpoint.newBuilder().setHost("h").setPort(0).build(), "", false)));
    }

    @Test
    void registrationsAndImagesWithoutAnInternalEndpoint_useTheClientEndpoint() {
        // Written before internal listeners existed: such a broker serves Replication on its client port.
        apply(ControllerLogic.registerBroker(image, 1, "inc-1", "old-broker", 9092, "", false));
        assertEquals("old-broker:9092", image.brokers().get(1).internalHost() + ":" + image.brokers().get(1).internalPort());
        MetadataImageProto oldSnapshot = MetadataImageProto.newBuilder().addBrokers(BrokerRegistration.newBuilder()
            .setBrokerId(7).setIncarnationId("i").setBrokerEpoch(3).setEndpoint(Endpoint.newBuilder().setHost("h7").setPort(9097)))
            .build();
        BrokerInfo fromSnapshot = MetadataImage.fromProto(oldSnapshot).brokers().get(7);
        assertEquals("h7", fromSnapshot.internalHost());
        assertEquals(9097, fromSnapshot.internalPort());
    }
}
