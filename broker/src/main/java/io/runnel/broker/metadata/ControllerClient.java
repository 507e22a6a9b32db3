package io.runnel.broker.metadata;

import io.grpc.ChannelCredentials;
import io.runnel.broker.partition.AlterPartitionResult;
import io.runnel.broker.partition.AlterPartitionSender;
import io.runnel.broker.partition.PartitionState;
import io.runnel.broker.partition.TopicPartition;
import io.runnel.metadata.acl.AclImage;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.proto.v1.ControllerGrpc;
import java.io.Closeable;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.ToIntFunction;

/**
 * A broker's link to the controller quorum, put together from one part per job:
 * <ul>
 *   <li>{@link ControllerChannels}: the channels, which controller is active (following
 *       NOT_CONTROLLER hints), and forwarding admin calls to it;</li>
 *   <li>{@link BrokerSession}: registration, heartbeats, controlled shutdown, serving state;</li>
 *   <li>{@link MetadataWatch}: the local {@link MetadataImage} kept from the metadata stream, each
 *       change handed to a listener (the broker applies partition roles from it);</li>
 *   <li>{@link AlterPartitionClient}: AlterPartition requests of this broker's partition leaders;</li>
 *   <li>{@link ProducerIdBlocks}: producer ids from blocks the controller reserves;</li>
 *   <li>{@link ImageClusterView}: the {@link ClusterView} queries over the applied image.</li>
 * </ul>
 *
 * <p>Thread-safety: all public methods are safe from any thread; images are immutable. Each part
 * states which volatile or lock it relies on.
 */
public final class ControllerClient implements ClusterView, AlterPartitionSender, Closeable {
    private final int brokerId;
    private final MetadataReadiness readiness;
    private final ControllerChannels controllers;
    private final BrokerSession session;
    private final MetadataWatch watch;
    private final AlterPartitionClient alterPartitions;
    private final ProducerIdBlocks producerIds;
    private final ImageClusterView view;

    /**
     * @param controllers controller API addresses by node id
     * @param credentials how to reach the controllers: plaintext, or TLS with this node's certificate
     *                    (the controller listener admits cluster principals only)
     * @param advertised  the client, internal and external listeners as this broker registers them
     * @param directoryId the data dir's id ({@code meta.properties}); empty for none
     * @param calls       runs the blocking controller calls and metadata-watch retries; owned by the caller
     * @param onImage     called with every new image, on the stream's thread
     */
    public ControllerClient(int brokerId, Map<Integer, InetSocketAddress> controllers, ChannelCredentials credentials,
                            AdvertisedListeners advertised, String rack, String directoryId,
                            ScheduledExecutorService calls, long heartbeatIntervalMs, Consumer<MetadataImage> onImage) {
        this.brokerId = brokerId;
        this.readiness = new MetadataReadiness(brokerId);
        this.controllers = new ControllerChannels(controllers, credentials, calls);
        this.session = new BrokerSession(brokerId, advertised, rack, directoryId, this.controllers, readiness,
            heartbeatIntervalMs, this::heartbeatAnswered);
        this.watch = new MetadataWatch(brokerId, this.controllers, calls, readiness, session, onImage,
            TimeUnit.MILLISECONDS.toNanos(MetadataWatch.STALLED_AFTER_HEARTBEATS * heartbeatIntervalMs));
        this.alterPartitions = new AlterPartitionClient(brokerId, session::brokerEpoch, this.controllers, calls);
        this.producerIds = new ProducerIdBlocks(brokerId, session::brokerEpoch, this.controllers);
        this.view = new ImageClusterView(watch::image, this.controllers::active, readiness);
    }

    /** A heartbeat answer tells the watch how far the metadata log is (the watch is made after the session). */
    private void heartbeatAnswered(int controller, long metadataOffset, long nowNanos) {
        watch.heartbeatAnswered(controller, metadataOffset, nowNanos);
    }

    public MetadataImage image() {
        return watch.image();
    }

    public long brokerEpoch() {
        return session.brokerEpoch();
    }

    public boolean isFenced() {
        return session.isFenced();
    }

    /** Whether this broker has caught up with the metadata log and been unfenced (see {@link MetadataReadiness}). */
    public MetadataReadiness readiness() {
        return readiness;
    }

    @Override
    public Optional<String> notReady() {
        return view.notReady();
    }

    /**
     * Tells {@code listener} whether the broker serves ({@link ServingState}): empty when it does,
     * else why not. Called on the session or stream thread once at first and then each time it
     * turns; call before {@link #start}.
     *
     * @param maxSilenceMs how long the broker serves without an answered heartbeat (its session timeout)
     */
    public void onServingChange(long maxSilenceMs, Consumer<Optional<String>> listener) {
        session.onServingChange(maxSilenceMs, listener);
    }

    /** Starts watching metadata, registering and heartbeating; all retry in the background until closed. */
    public void start() {
        List<Integer> ids = controllers.ids();
        watch.start(ids.get(brokerId % ids.size()));
        session.start();
    }

    /**
     * The broker's log directory failed (an I/O error): from now on every heartbeat says so, the
     * first one at once, and the controller fences this broker and moves its leaderships away.
     */
    public void reportLogDirOffline() {
        session.logDirOffline();
    }

    /**
     * Controlled shutdown: asks the controller to move leaderships away, until it answers ready or
     * {@code timeoutMs} pass.
     *
     * @return whether the controller confirmed
     */
    public boolean controlledShutdown(long timeoutMs) {
        return session.controlledShutdown(timeoutMs, () -> watch.image().offset());
    }

    /** See {@link AlterPartitionClient#send}: the future never fails, it says how the request ended. */
    @Override
    public CompletableFuture<AlterPartitionResult> send(TopicPartition tp, int leaderEpoch, int partitionEpoch, List<Integer> newIsr) {
        return alterPartitions.send(tp, leaderEpoch, partitionEpoch, newIsr);
    }

    /** Registered and not fenced in the image this broker has applied. */
    @Override
    public boolean isIsrEligible(int otherBrokerId) {
        return view.isIsrEligible(otherBrokerId);
    }

    /**
     * Runs {@code call} against the active controller on a background thread, moving to the hinted
     * (or next) controller while the answer says NOT_CONTROLLER or the controller is unreachable.
     *
     * @param hint           the response's controller id field
     * @param notController  whether the response says the node was not the active controller
     */
    public <T> CompletableFuture<T> forward(Function<ControllerGrpc.ControllerBlockingStub, T> call, ToIntFunction<T> hint,
                                            Predicate<T> notController) {
        return controllers.forward(call, hint, notController);
    }

    /**
     * A fresh producer id from this broker's block, reserving a new block through the active
     * controller when it runs out.
     *
     * @throws IllegalStateException if no controller granted a block
     */
    public long nextProducerId() {
        return producerIds.next();
    }

    @Override
    public List<BrokerEndpoint> brokers() {
        return view.brokers();
    }

    /** A live broker's internal listener (where followers fetch from it), as it registered it. */
    public Optional<InetSocketAddress> internalEndpoint(int id) {
        return view.internalEndpoint(id);
    }

    /** Whether {@code id} is a registered broker, fenced (still catching up) or not. */
    public boolean isRegistered(int id) {
        return view.isRegistered(id);
    }

    @Override
    public int controllerId() {
        return view.controllerId();
    }

    @Override
    public Map<String, Map<Integer, PartitionState>> topics() {
        return view.topics();
    }

    @Override
    public Map<String, String> topicConfigs(String topic) {
        return view.topicConfigs(topic);
    }

    @Override
    public AclImage acls() {
        return view.acls();
    }

    /** Every partition of the image as the broker's {@link PartitionState}. */
    public static Map<String, Map<Integer, PartitionState>> partitionStates(MetadataImage image) {
        return ImageClusterView.partitionStates(image);
    }

    @Override
    public void close() {
        watch.close();
        session.close();
        controllers.close();
    }
}
