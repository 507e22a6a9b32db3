package io.runnel.metadata.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runnel.metadata.image.MetadataImage;
import io.runnel.metadata.image.PartitionInfo;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.MetadataBatch;
import io.runnel.proto.v1.MetadataRecord;
import io.runnel.proto.v1.PartitionChangeRecord;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** {@link PreferredLeaders}: the election and the imbalance check, on images built record by record. */
class PreferredLeadersTest {
    private long index;
    private MetadataImage image = MetadataImage.EMPTY;

    private void apply(MetadataBatch batch) {
        MetadataImage.Applied applied = image.apply(batch, 1, ++index);
        assertEquals(ErrorCode.NONE, applied.error(), applied.message());
        image = applied.image();
    }

    /** Three live brokers and topic t with {@code partitions} partitions of 3 replicas, each led by its preferred replica. */
    private void cluster(int partitions) {
        for (int id = 1; id <= 3; id++) {
            apply(BrokerDecisions.registerBroker(image, id, "inc-" + id, "host" + id, 9092, "", false));
            apply(BrokerDecisions.unfenceBroker(image, id, image.brokers().get(id).epoch()));
        }
        apply(ControllerLogic.createTopic(image, "t", partitions, 3, Map.of(), UUID.randomUUID()));
        apply(PreferredLeaders.elect(image, Map.of()).batch());
    }

    private PartitionInfo partition(int p) {
        return image.topics().get("t").partitions().get(p);
    }

    /** Leadership of partition p to its second replica, ISR unchanged (as after its preferred leader's restart). */
    private void moveAway(int p) {
        PartitionInfo info = partition(p);
        apply(MetadataBatch.newBuilder().addRecords(MetadataRecord.newBuilder().setPartitionChange(PartitionChangeRecord
            .newBuilder().setTopic("t").setPartition(p).setExpectedPartitionEpoch(info.partitionEpoch())
            .setLeader(info.replicas().get(1)).addAllIsr(info.isr()))).build());
    }

    private List<Integer> preferredOf(int broker, int partitions) {
        return IntStream.range(0, partitions).filter(p -> partition(p).replicas().get(0) == broker).boxed().toList();
    }

    @Test
    void balanced_nothingToElect_everyPartitionElectionNotNeeded() {
        cluster(6);
        PreferredLeaders.Election e = PreferredLeaders.elect(image, Map.of());
        assertEquals(0, e.moved());
        assertEquals(6, e.results().size());
        assertTrue(e.results().stream().allMatch(r -> r.error() == ErrorCode.ELECTION_NOT_NEEDED), e.results().toString());
        assertEquals(Map.of(), PreferredLeaders.imbalanced(image, 10));
    }

    @Test
    void aBrokerLeadingNoneOfItsPreferredPartitions_isImbalanced_andTheElectionMovesThemBack() {
        cluster(6);
        List<Integer> ofTwo = preferredOf(2, 6);
        assertEquals(2, ofTwo.size(), "placement gives each broker 2 of 6 first replicas");
        ofTwo.forEach(this::moveAway);
        Map<String, Set<Integer>> imbalanced = PreferredLeaders.imbalanced(image, 10);
        assertEquals(Map.of("t", Set.copyOf(ofTwo)), imbalanced);
        PreferredLeaders.Election e = PreferredLeaders.elect(image, imbalanced);
        assertEquals(2, e.moved());
        apply(e.batch());
        ofTwo.forEach(p -> assertEquals(2, partition(p).leader()));
        assertEquals(Map.of(), PreferredLeaders.imbalanced(image, 10));
    }

    @Test
    void imbalance_atOrBelowThePercentage_isLeftAlone() {
        cluster(12);
        List<Integer> ofOne = preferredOf(1, 12);
        assertEquals(4, ofOne.size());
        moveAway(ofOne.get(0)); // 1 of 4 = 25 %
        assertEquals(Map.of("t", Set.of(ofOne.get(0))), PreferredLeaders.imbalanced(image, 24));
        assertEquals(Map.of(), PreferredLeaders.imbalanced(image, 25));
    }

    @Test
    void preferredReplicaOutOfTheIsr_notAvailable_andNotCountedForRebalance() {
        cluster(3);
        int p = preferredOf(3, 3).get(0);
        PartitionInfo info = partition(p);
        List<Integer> isrWithout3 = info.isr().stream().filter(r -> r != 3).toList();
        apply(MetadataBatch.newBuilder().addRecords(MetadataRecord.newBuilder().setPartitionChange(PartitionChangeRecord
            .newBuilder().setTopic("t").setPartition(p).setExpectedPartitionEpoch(info.partitionEpoch())
            .setLeader(info.replicas().get(1)).addAllIsr(isrWithout3))).build());
        PreferredLeaders.Election e = PreferredLeaders.elect(image, Map.of("t", Set.of(p)));
        assertEquals(0, e.moved());
        assertEquals(ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE, e.results().get(0).error());
        assertTrue(e.results().get(0).message().contains("not in the ISR"), e.results().get(0).message());
        assertEquals(Map.of(), PreferredLeaders.imbalanced(image, 10));
    }

    @Test
    void unknownTopicOrPartition_isAResult_notAFailure() {
        cluster(3);
        PreferredLeaders.Election e = PreferredLeaders.elect(image, Map.of("t", Set.of(7)));
        assertEquals(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, e.results().get(0).error());
        assertTrue(e.results().get(0).message().contains("no partition 7"), e.results().get(0).message());
        e = PreferredLeaders.elect(image, Map.of("nope", Set.of()));
        assertEquals(List.of(new PreferredLeaders.Result("nope", -1, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
            "topic 'nope' does not exist", PartitionInfo.NO_LEADER)), e.results());
    }
}
