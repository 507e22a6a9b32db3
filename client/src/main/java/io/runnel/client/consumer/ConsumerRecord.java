package io.runnel.client.consumer;

import io.runnel.record.Header;
import java.util.List;

/** A record read from a partition. Arrays are not copied; treat them as read-only. */
public record ConsumerRecord(String topic, int partition, long offset, long timestamp, byte[] key, byte[] value,
                             List<Header> headers) {
}
