package io.runnel.broker.grpc;

import java.util.concurrent.CompletableFuture;

/**
 * Kafka's {@code auto.create.topics.enable} (off by default): a Metadata request that names a
 * topic that does not exist and allows creation ({@code allow_auto_topic_creation}, as the Java
 * producer sends for the topics its records wait for) makes the broker create it through the
 * active controller with {@code num.partitions} partitions and the cluster's
 * {@code default.replication.factor}; the answer says LEADER_NOT_AVAILABLE for it, which clients
 * retry. The caller needs CREATE on the topic or the cluster when the authorizer is on.
 *
 * @param enabled    {@code auto.create.topics.enable}
 * @param partitions {@code num.partitions}: partitions of a topic created this way
 * @param creator    creates a topic with the cluster's default replication factor
 */
public record AutoTopicCreation(boolean enabled, int partitions, Creator creator) {
    /** Creates a topic through the active controller; an existing topic is no failure. */
    @FunctionalInterface
    public interface Creator {
        CompletableFuture<Void> create(String topic, int partitions);
    }

    /** No topic is ever created by Metadata. */
    public static final AutoTopicCreation OFF = new AutoTopicCreation(false, 1,
        (topic, partitions) -> CompletableFuture.failedFuture(new IllegalStateException("auto.create.topics.enable is off")));
}
