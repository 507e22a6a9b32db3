package io.runnel.metadata.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runnel.metadata.image.MetadataImage;
import io.runnel.metadata.image.PartitionInfo;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.MetadataBatch;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Topic decisions ({@link ControllerLogic}): placement, names, internal topics, racing creates. */
class ControllerLogicTest extends DecisionFixture {
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
    void imageRoundTripsThroughItsProto() {
        brokers(3, "r1", "r2");
        apply(ControllerLogic.createTopic(image, "t", 4, 2, Map.of("retention.ms", "5"), UUID.randomUUID()));
        apply(BrokerDecisions.allocateProducerIds(image, 1, 1000));
        assertEquals(image, MetadataImage.fromProto(image.toProto()));
        assertEquals(1000, image.nextProducerId());
    }
}
