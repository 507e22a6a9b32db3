package io.runnel.client.producer;

/** Where a record was written; offset -1 with acks=0, which waits for no answer. */
public record RecordMetadata(String topic, int partition, long offset) {
}
