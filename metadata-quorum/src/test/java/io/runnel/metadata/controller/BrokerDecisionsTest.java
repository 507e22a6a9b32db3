package io.runnel.metadata.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Broker decisions ({@link BrokerDecisions}): registration, fencing and the elections it forces, unfencing. */
class BrokerDecisionsTest extends DecisionFixture {
    @Test
    void fencing_movesLeadershipToAnIsrMember_andBumpsTheLeaderEpoch() {
        brokers(3);
        apply(ControllerLogic.createTopic(image, "t", 3, 3, Map.of(), UUID.randomUUID()));
        PartitionInfo before = image.topics().get("t").partitions().get(0);
        int leader = before.leader();
        assertTrue(apply(BrokerDecisions.fenceBroker(image, leader)).accepted());
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
            apply(PartitionDecisions.alterPartition(image, p.leader(), image.brokers().get(p.leader()).epoch(), t, 0,
                p.leaderEpoch(), p.partitionEpoch(), List.of(p.leader())));
        }
        int leaderOfClean = image.topics().get("clean").partitions().get(0).leader();
        int leaderOfDirty = image.topics().get("dirty").partitions().get(0).leader();
        apply(BrokerDecisions.fenceBroker(image, leaderOfClean));
        if (leaderOfDirty != leaderOfClean) {
            apply(BrokerDecisions.fenceBroker(image, leaderOfDirty));
        }
        assertEquals(PartitionInfo.NO_LEADER, image.topics().get("clean").partitions().get(0).leader());
        assertEquals(List.of(leaderOfClean), image.topics().get("clean").partitions().get(0).isr());
        int dirtyLeader = image.topics().get("dirty").partitions().get(0).leader();
        assertTrue(dirtyLeader != PartitionInfo.NO_LEADER && !image.brokers().get(dirtyLeader).fenced());

        // The last ISR member comes back: the offline partition gets its leader again.
        BrokerInfo back = image.brokers().get(leaderOfClean);
        apply(BrokerDecisions.unfenceBroker(image, leaderOfClean, back.epoch()));
        assertEquals(leaderOfClean, image.topics().get("clean").partitions().get(0).leader());
    }

    @Test
    void duplicateLiveRegistration_isRefused_aRestartReplacesIt() {
        brokers(1);
        assertEquals(ErrorCode.DUPLICATE_BROKER_REGISTRATION,
            refusal(() -> BrokerDecisions.registerBroker(image, 1, "other", "h", 1, "", true)));
        long oldEpoch = image.brokers().get(1).epoch();
        apply(BrokerDecisions.registerBroker(image, 1, "restarted", "h", 1, "", false));
        assertTrue(image.brokers().get(1).epoch() > oldEpoch);
        assertTrue(image.brokers().get(1).fenced(), "a new registration starts fenced until it catches up");
        assertEquals(ErrorCode.STALE_BROKER_EPOCH, refusal(() -> BrokerDecisions.unfenceBroker(image, 1, oldEpoch)));
    }

    @Test
    void aRestartedBroker_newIncarnation_givesUpWhatItLed_andRejoinsAsFollower() {
        // A broker killed and restarted before its session ended: it may have lost unflushed
        // records, so its partitions must not wait for it, nor be led by it as it comes back.
        brokers(3);
        apply(ControllerLogic.createTopic(image, "t", 6, 3, Map.of(), UUID.randomUUID()));
        long ledBefore = image.allPartitions().stream().filter(e -> e.getValue().leader() == 2).count();
        assertTrue(ledBefore > 0);
        assertTrue(apply(BrokerDecisions.registerBroker(image, 2, "inc-2-restarted", "host2", 9092, "", false)).accepted());
        assertTrue(image.brokers().get(2).fenced());
        for (Map.Entry<String, PartitionInfo> e : image.allPartitions()) {
            assertTrue(e.getValue().leader() != 2 && !e.getValue().isr().contains(2), e.toString());
        }
        // The same incarnation registering again (a lost answer) moves nothing.
        int epochs = image.allPartitions().stream().mapToInt(e -> e.getValue().partitionEpoch()).sum();
        apply(BrokerDecisions.registerBroker(image, 2, "inc-2-restarted", "host2", 9092, "", false));
        assertEquals(epochs, image.allPartitions().stream().mapToInt(e -> e.getValue().partitionEpoch()).sum());
    }

    private void register(int id, String incarnation, String directoryId) {
        assertTrue(apply(BrokerDecisions.registerBroker(image, new BrokerRegistrationRequest(id, incarnation, "host" + id, 9092,
            null, "", directoryId), false)).accepted());
    }

    @Test
    void aBrokerBackWithAReplacedLogDirectory_leavesEveryIsr_theLastMemberToo_andLeadsNothing() {
        // Issue 14 item 1: the ISR shrank to broker 1, which then came back with an empty disk (a
        // new directory id). Kept as the last ISR member, its unfencing elected it and the others
        // truncated to its empty log.
        for (int id = 1; id <= 3; id++) {
            register(id, "inc-" + id, "dir-" + id);
            apply(BrokerDecisions.unfenceBroker(image, id, image.brokers().get(id).epoch()));
        }
        apply(ControllerLogic.createTopic(image, "clean", 1, 3, Map.of(), UUID.randomUUID()));
        apply(ControllerLogic.createTopic(image, "unclean", 1, 3, Map.of("unclean.leader.election.enable", "true"),
            UUID.randomUUID()));
        apply(ControllerLogic.createTopic(image, "shared", 1, 3, Map.of(), UUID.randomUUID()));
        for (String topic : List.of("clean", "unclean")) {
            PartitionInfo p = image.topics().get(topic).partitions().get(0);
            int leader = p.leader();
            long epoch = image.brokers().get(leader).epoch();
            apply(PartitionDecisions.alterPartition(image, leader, epoch, topic, 0, p.leaderEpoch(), p.partitionEpoch(),
                List.of(leader)));
            if (leader != 1) { // make broker 1 the only ISR member
                p = image.topics().get(topic).partitions().get(0);
                apply(MetadataBatch.newBuilder().addRecords(MetadataRecord.newBuilder().setPartitionChange(
                    PartitionChangeRecord.newBuilder().setTopic(topic).setPartition(0)
                        .setExpectedPartitionEpoch(p.partitionEpoch()).setLeader(1).addIsr(1))).build());
            }
        }
        // Broker 1 stops (fenced: the ISR keeps it as the last member, offline), brokers 2 and 3 are live.
        apply(BrokerDecisions.fenceBroker(image, 1));
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
        apply(BrokerDecisions.unfenceBroker(image, 1, image.brokers().get(1).epoch()));
        image.allPartitions().forEach(e -> assertTrue(e.getValue().leader() != 1, e.toString()));
        assertEquals("dir-1-new", MetadataImage.fromProto(image.toProto()).brokers().get(1).directoryId());

        // A restart on the same directory, or from a broker that sends no id, is not a lost directory.
        assertFalse(image.brokers().get(1).directoryChangedTo("dir-1-new"));
        assertFalse(image.brokers().get(1).directoryChangedTo(""));
    }

    @Test
    void registrationsAndImagesWithoutADirectoryId_loadAsUnknown_andNeverCountAsAChange() {
        // Written before directory ids existed.
        apply(BrokerDecisions.registerBroker(image, 1, "inc-1", "h", 9092, "", false));
        assertEquals("", image.brokers().get(1).directoryId());
        MetadataImageProto old = image.toProto().toBuilder().setBrokers(0, image.toProto().getBrokers(0).toBuilder()
            .clearDirectoryId()).build();
        assertEquals("", MetadataImage.fromProto(old).brokers().get(1).directoryId());
        assertFalse(image.brokers().get(1).directoryChangedTo("dir-new"), "an upgrade is not a lost directory");
    }

    @Test
    void internalEndpoint_isRegisteredAndRoundTrips_andIsCheckedWhenGiven() {
        apply(BrokerDecisions.registerBroker(image, 1, "inc-1", "clients.example", 9092,
            Endpoint.newBuilder().setHost("brokers.internal").setPort(9093).build(), "", false));
        BrokerInfo b = image.brokers().get(1);
        assertEquals("clients.example:9092", b.host() + ":" + b.port());
        assertEquals("brokers.internal:9093", b.internalHost() + ":" + b.internalPort());
        assertEquals(image, MetadataImage.fromProto(image.toProto()));
        assertEquals(ErrorCode.INVALID_REQUEST, refusal(() -> BrokerDecisions.registerBroker(image, 2, "inc-2", "h", 9092,
            Endpoint.newBuilder().setHost("h").setPort(0).build(), "", false)));
    }

    @Test
    void registrationsAndImagesWithoutAnInternalEndpoint_useTheClientEndpoint() {
        // Written before internal listeners existed: such a broker serves Replication on its client port.
        apply(BrokerDecisions.registerBroker(image, 1, "inc-1", "old-broker", 9092, "", false));
        assertEquals("old-broker:9092", image.brokers().get(1).internalHost() + ":" + image.brokers().get(1).internalPort());
        MetadataImageProto oldSnapshot = MetadataImageProto.newBuilder().addBrokers(BrokerRegistration.newBuilder()
            .setBrokerId(7).setIncarnationId("i").setBrokerEpoch(3).setEndpoint(Endpoint.newBuilder().setHost("h7").setPort(9097)))
            .build();
        BrokerInfo fromSnapshot = MetadataImage.fromProto(oldSnapshot).brokers().get(7);
        assertEquals("h7", fromSnapshot.internalHost());
        assertEquals(9097, fromSnapshot.internalPort());
    }
}
