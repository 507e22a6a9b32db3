package io.runnel.metadata.controller;

import io.runnel.metadata.image.BrokerInfo;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.metadata.image.PartitionInfo;
import io.runnel.metadata.image.TopicInfo;
import io.runnel.proto.v1.ErrorCode;

/**
 * What the controller's decisions ({@link BrokerDecisions}, {@link ControllerLogic},
 * {@link PartitionDecisions}) look up in the image before deciding: a broker, topic or partition
 * that must exist (else a {@link ControllerException} naming it), and whether a broker is live.
 */
final class ImageLookups {
    private ImageLookups() {
    }

    static BrokerInfo requireBroker(MetadataImage image, int brokerId) {
        BrokerInfo b = image.brokers().get(brokerId);
        if (b == null) {
            throw new ControllerException(ErrorCode.BROKER_NOT_REGISTERED, "broker " + brokerId + " is not registered");
        }
        return b;
    }

    static TopicInfo requireTopic(MetadataImage image, String name) {
        TopicInfo t = image.topics().get(name);
        if (t == null) {
            throw new ControllerException(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "topic '" + name + "' does not exist");
        }
        return t;
    }

    static PartitionInfo requirePartition(MetadataImage image, String topic, int partition) {
        PartitionInfo p = requireTopic(image, topic).partitions().get(partition);
        if (p == null) {
            throw new ControllerException(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "partition " + topic + "-" + partition
                + " does not exist");
        }
        return p;
    }

    /** Registered and not fenced. */
    static boolean isLive(MetadataImage image, int brokerId) {
        BrokerInfo b = image.brokers().get(brokerId);
        return b != null && !b.fenced();
    }
}
