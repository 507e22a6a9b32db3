package io.runnel.broker.partition;

import java.util.Objects;

/** A partition of a topic: the unit of leadership, replication and storage. */
public record TopicPartition(String topic, int partition) {
    public TopicPartition {
        Objects.requireNonNull(topic, "topic must not be null");
        if (partition < 0) {
            throw new IllegalArgumentException("partition must be >= 0, got " + partition);
        }
    }

    /** The directory name of this partition's log: {@code <topic>-<partition>}. */
    public String dirName() {
        return topic + "-" + partition;
    }

    @Override
    public String toString() {
        return dirName();
    }
}
