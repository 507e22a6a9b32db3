package io.runnel.client.producer;

import io.runnel.record.Header;
import java.util.List;
import java.util.Objects;

/**
 * A record to send. {@code partition} null lets the partitioner choose; {@code timestamp} null
 * means now; key and value may be null.
 */
public record ProducerRecord(String topic, Integer partition, Long timestamp, byte[] key, byte[] value, List<Header> headers) {
    public ProducerRecord {
        Objects.requireNonNull(topic, "topic must not be null");
        if (partition != null && partition < 0) {
            throw new IllegalArgumentException("partition must be >= 0, got " + partition);
        }
        if (timestamp != null && timestamp < 0) {
            throw new IllegalArgumentException("timestamp must be >= 0, got " + timestamp);
        }
        headers = headers == null ? List.of() : List.copyOf(headers);
    }

    public ProducerRecord(String topic, byte[] key, byte[] value) {
        this(topic, null, null, key, value, List.of());
    }
}
