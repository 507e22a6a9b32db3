package io.runnel.broker.metadata;

/**
 * Where a broker serves clients; {@code rack} is empty when unset. {@code externalHost} and
 * {@code externalPort} are its external client listener ("" and 0 when it has none).
 */
public record BrokerEndpoint(int id, String host, int port, String rack, String externalHost, int externalPort) {

    /** A broker without an external listener. */
    public BrokerEndpoint(int id, String host, int port, String rack) {
        this(id, host, port, rack, "", 0);
    }

    /**
     * The endpoint to give a client that reached us on the external listener ({@code external}
     * true) or on the client listener: a broker without an external listener is named by its
     * client endpoint either way.
     */
    public BrokerEndpoint seenFrom(boolean external) {
        return external && externalPort > 0 ? new BrokerEndpoint(id, externalHost, externalPort, rack) : this;
    }
}
