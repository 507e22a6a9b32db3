package io.runnel.metadata.controller;

import static io.runnel.metadata.controller.ImageLookups.requireTopic;

import io.runnel.metadata.image.MetadataImage;
import io.runnel.metadata.image.TopicInfo;
import io.runnel.proto.v1.ConfigRecord;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.MetadataBatch;
import io.runnel.proto.v1.MetadataRecord;
import io.runnel.proto.v1.PartitionRecord;
import io.runnel.proto.v1.RemoveTopicRecord;
import io.runnel.proto.v1.TopicRecord;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The controller's decisions as pure functions: from the current image and a request to the batch
 * of records that carries the decision out, or a {@link ControllerException} naming why not. No
 * state, no clock, no I/O, so every rule is unit-tested directly; the batch's own preconditions
 * (checked again when it is applied) keep a decision made on a stale image from doing harm.
 *
 * <p>This class holds the decisions about topics (names, create, delete, grow, configs) and which
 * topics are internal; {@link BrokerDecisions} and {@link PartitionDecisions} hold the others.
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
    public static final Set<String> INTERNAL_TOPICS = Set.of(OFFSETS_TOPIC);

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
        Map<String, String> merged = new TreeMap<>(t.configs());
        merged.putAll(changes);
        return MetadataBatch.newBuilder().addRecords(rec().setConfig(ConfigRecord.newBuilder().setTopic(name)
            .putAllConfigs(merged))).build();
    }
}
