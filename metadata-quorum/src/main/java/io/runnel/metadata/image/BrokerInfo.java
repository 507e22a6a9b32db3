package io.runnel.metadata.image;

/**
 * A registered broker as the image holds it.
 *
 * @param host         its client listener's advertised host
 * @param port         its client listener's port
 * @param epoch        the Raft index of its registration: requests from an older incarnation carry an older epoch
 * @param fenced       a fenced broker leads nothing and is not in any ISR it can grow
 * @param internalHost its internal listener's advertised host (the Replication service); a
 *                     registration without one (written before internal listeners existed) gets
 *                     the client endpoint, where such a broker serves Replication
 * @param internalPort its internal listener's port
 */
public record BrokerInfo(int id, String incarnationId, long epoch, String host, int port, String rack, boolean fenced,
                         String internalHost, int internalPort) {

    /** A broker whose internal endpoint is its client endpoint. */
    public BrokerInfo(int id, String incarnationId, long epoch, String host, int port, String rack, boolean fenced) {
        this(id, incarnationId, epoch, host, port, rack, fenced, host, port);
    }

    BrokerInfo withFenced(boolean value) {
        return new BrokerInfo(id, incarnationId, epoch, host, port, rack, value, internalHost, internalPort);
    }
}
