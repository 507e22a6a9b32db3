package io.runnel.metadata.controller;

import io.runnel.proto.v1.Endpoint;

/**
 * What a broker sends to (re)join the cluster.
 *
 * @param internal    its internal listener (where followers fetch from it), or null for a broker
 *                    that serves Replication on its client endpoint
 * @param directoryId the id of its log directory (meta.properties); empty when the broker does not
 *                    send one (unknown: never counted as a replaced directory)
 * @param external    its external client listener (for clients outside the brokers' network), or
 *                    null for none
 */
public record BrokerRegistrationRequest(int brokerId, String incarnationId, String host, int port, Endpoint internal,
                                        String rack, String directoryId, Endpoint external) {
    public BrokerRegistrationRequest {
        directoryId = directoryId == null ? "" : directoryId;
    }

    /** A broker without an external listener. */
    public BrokerRegistrationRequest(int brokerId, String incarnationId, String host, int port, Endpoint internal,
                                     String rack, String directoryId) {
        this(brokerId, incarnationId, host, port, internal, rack, directoryId, null);
    }
}
