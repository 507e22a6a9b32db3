package io.runnel.broker.metadata;

/** Where a broker serves clients and replication; {@code rack} is empty when unset. */
public record BrokerEndpoint(int id, String host, int port, String rack) {
}
