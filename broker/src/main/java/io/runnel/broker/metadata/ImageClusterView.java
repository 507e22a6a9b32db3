package io.runnel.broker.metadata;

import io.runnel.broker.partition.PartitionState;
import io.runnel.metadata.acl.AclImage;
import io.runnel.metadata.image.BrokerInfo;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.metadata.image.PartitionInfo;
import io.runnel.metadata.image.TopicInfo;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * The {@link ClusterView} over the metadata image the broker has applied: every query reads the
 * image once and answers from it.
 *
 * <p>Thread-safety: holds no state of its own; the image is the volatile in {@link MetadataWatch}
 * (immutable once published), the active controller the volatile in {@link ControllerChannels}.
 */
final class ImageClusterView implements ClusterView {
    private final Supplier<MetadataImage> image;
    private final IntSupplier activeController;
    private final MetadataReadiness readiness;

    ImageClusterView(Supplier<MetadataImage> image, IntSupplier activeController, MetadataReadiness readiness) {
        this.image = image;
        this.activeController = activeController;
        this.readiness = readiness;
    }

    @Override
    public List<BrokerEndpoint> brokers() {
        List<BrokerEndpoint> out = new ArrayList<>();
        for (BrokerInfo b : image.get().liveBrokers()) {
            out.add(new BrokerEndpoint(b.id(), b.host(), b.port(), b.rack(), b.externalHost(), b.externalPort()));
        }
        return out;
    }

    /** A live broker's internal listener (where followers fetch from it), as it registered it. */
    Optional<InetSocketAddress> internalEndpoint(int id) {
        return image.get().liveBrokers().stream().filter(b -> b.id() == id).findFirst()
            .map(b -> InetSocketAddress.createUnresolved(b.internalHost(), b.internalPort()));
    }

    /** Whether {@code id} is a registered broker, fenced (still catching up) or not. */
    boolean isRegistered(int id) {
        return image.get().brokers().containsKey(id);
    }

    /** Registered and not fenced in the image this broker has applied. */
    boolean isIsrEligible(int otherBrokerId) {
        BrokerInfo b = image.get().brokers().get(otherBrokerId);
        return b != null && !b.fenced();
    }

    @Override
    public int controllerId() {
        return activeController.getAsInt();
    }

    @Override
    public Map<String, Map<Integer, PartitionState>> topics() {
        return partitionStates(image.get());
    }

    @Override
    public Optional<String> notReady() {
        return readiness.notReady();
    }

    @Override
    public Map<String, String> topicConfigs(String topic) {
        TopicInfo t = image.get().topics().get(topic);
        return t == null ? Map.of() : t.configs();
    }

    @Override
    public AclImage acls() {
        return image.get().acls();
    }

    /** Every partition of the image as the broker's {@link PartitionState}. */
    static Map<String, Map<Integer, PartitionState>> partitionStates(MetadataImage image) {
        Map<String, Map<Integer, PartitionState>> out = new HashMap<>();
        for (TopicInfo t : image.topics().values()) {
            Map<Integer, PartitionState> partitions = new HashMap<>();
            for (PartitionInfo p : t.partitions().values()) {
                partitions.put(p.partition(), new PartitionState(p.leader(), p.leaderEpoch(), p.partitionEpoch(), p.replicas(),
                    p.isr()));
            }
            out.put(t.name(), partitions);
        }
        return out;
    }
}
