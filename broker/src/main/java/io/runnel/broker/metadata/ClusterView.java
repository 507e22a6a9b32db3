package io.runnel.broker.metadata;

import io.runnel.broker.partition.PartitionState;
import io.runnel.metadata.acl.AclImage;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the broker's services need to know of the cluster: live brokers, the active controller, and
 * every topic's partitions. Two implementations: the metadata quorum's image as the broker
 * follows it, and a fixed view for tests and tools that run without a quorum.
 */
public interface ClusterView {
    /** Live (unfenced) brokers. */
    List<BrokerEndpoint> brokers();

    /** The active controller's id, or -1 while there is none. */
    int controllerId();

    /** Topic name to its partitions' states, by partition number. */
    Map<String, Map<Integer, PartitionState>> topics();

    /**
     * Empty while this broker may answer for the metadata; else why not (it is still catching up
     * with the metadata log, see {@link MetadataReadiness}). A fixed view is always ready.
     */
    default Optional<String> notReady() {
        return Optional.empty();
    }

    /** The topic's own settings (overrides of the brokers' defaults); empty for an unknown topic or a fixed view. */
    default Map<String, String> topicConfigs(String topic) {
        return Map.of();
    }

    /** The ACL bindings of the broker's metadata image; none for a fixed view. */
    default AclImage acls() {
        return AclImage.EMPTY;
    }

    default Optional<BrokerEndpoint> broker(int id) {
        return brokers().stream().filter(b -> b.id() == id).findFirst();
    }
}
