package io.runnel.metadata.image;

/**
 * A registered broker as the image holds it.
 *
 * @param epoch  the Raft index of its registration: requests from an older incarnation carry an older epoch
 * @param fenced a fenced broker leads nothing and is not in any ISR it can grow
 */
public record BrokerInfo(int id, String incarnationId, long epoch, String host, int port, String rack, boolean fenced) {
    BrokerInfo withFenced(boolean value) {
        return new BrokerInfo(id, incarnationId, epoch, host, port, rack, value);
    }
}
