package io.runnel.broker.metadata;

import java.net.InetSocketAddress;
import java.util.Optional;

/**
 * What a broker registers with the controller as its addresses: each host and port as others are
 * to dial it, not where it binds.
 *
 * @param client   the client listener ({@code advertised.host} and {@code advertised.port})
 * @param internal the internal listener (Replication, broker to broker)
 * @param external the external client listener, for clients outside the brokers' network
 *                 ({@code external.advertised.listener}); empty when the broker has none
 */
public record AdvertisedListeners(InetSocketAddress client, InetSocketAddress internal, Optional<InetSocketAddress> external) {
}
