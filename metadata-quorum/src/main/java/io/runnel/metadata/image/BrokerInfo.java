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
 * @param directoryId  the id of its log directory (meta.properties) at registration; empty when
 *                     unknown (a record or snapshot written before directory ids existed)
 * @param externalHost its external client listener's advertised host (clients outside the
 *                     brokers' network); empty when it has none
 * @param externalPort that listener's port; 0 when it has none
 */
public record BrokerInfo(int id, String incarnationId, long epoch, String host, int port, String rack, boolean fenced,
                         String internalHost, int internalPort, String directoryId, String externalHost, int externalPort) {

    /** A broker whose internal endpoint is its client endpoint, directory unknown, no external listener. */
    public BrokerInfo(int id, String incarnationId, long epoch, String host, int port, String rack, boolean fenced) {
        this(id, incarnationId, epoch, host, port, rack, fenced, host, port, "", "", 0);
    }

    BrokerInfo withFenced(boolean value) {
        return new BrokerInfo(id, incarnationId, epoch, host, port, rack, value, internalHost, internalPort, directoryId,
            externalHost, externalPort);
    }

    /** Whether it registered an external client listener. */
    public boolean hasExternal() {
        return externalPort > 0;
    }

    /**
     * Whether a registration with {@code newDirectoryId} means this broker's log directory was
     * replaced. An empty id on either side is unknown (an old record, an old broker), never a change.
     */
    public boolean directoryChangedTo(String newDirectoryId) {
        return !directoryId.isEmpty() && !newDirectoryId.isEmpty() && !directoryId.equals(newDirectoryId);
    }
}
