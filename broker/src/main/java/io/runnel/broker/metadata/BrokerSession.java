package io.runnel.broker.metadata;

import io.runnel.proto.v1.BrokerHeartbeatRequest;
import io.runnel.proto.v1.BrokerHeartbeatResponse;
import io.runnel.proto.v1.Endpoint;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.RegisterBrokerRequest;
import io.runnel.proto.v1.RegisterBrokerResponse;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's session with the controller quorum: registers (again, when the controller forgot or
 * replaced it), heartbeats, asks for a controlled shutdown, and tells whether the broker serves
 * ({@link ServingState}). The counterpart of Kafka's BrokerLifecycleManager.
 *
 * <p>Thread-safety: registration and heartbeats run on a thread of their own,
 * {@code controller-session-<id>}, so busy controller-call threads (blocking AlterPartition or admin
 * calls) cannot delay a heartbeat into a false fencing. The broker epoch, the fenced flag, the
 * serving state and the closed flag are volatile; the scheduled heartbeats are written on the
 * session thread and read by {@link #controlledShutdown} and {@link #close} without a lock.
 */
final class BrokerSession {
    private static final Logger log = LoggerFactory.getLogger(BrokerSession.class);
    /** Between refused or failed registrations (at most the heartbeat interval). */
    static final long REGISTER_RETRY_MS = 100;

    private final int brokerId;
    private final String incarnationId = UUID.randomUUID().toString();
    private final AdvertisedListeners advertised;
    private final String rack;
    /** The log directory's id (meta.properties), registered so the controller sees a replaced directory. */
    private final String directoryId;
    private final ControllerChannels controllers;
    private final MetadataReadiness readiness;
    private final ScheduledExecutorService sessionThread;
    private final long heartbeatIntervalMs;
    private final HeartbeatListener onHeartbeat;
    private volatile long brokerEpoch = -1;
    private volatile boolean fenced = true;
    private volatile boolean closed;
    /** Set once the log directory failed; every heartbeat from then on says so (see controller.proto). */
    private volatile boolean logDirOffline;
    private ScheduledFuture<?> heartbeats;
    /** The last registration refusal logged (session thread only), so a repeated one is not logged again. */
    private String lastRefusal;
    /** Whether the broker serves now (readiness probe); told to nobody until {@link #onServingChange}. */
    private volatile ServingState serving;

    BrokerSession(int brokerId, AdvertisedListeners advertised, String rack, String directoryId,
                  ControllerChannels controllers, MetadataReadiness readiness, long heartbeatIntervalMs,
                  HeartbeatListener onHeartbeat) {
        this.brokerId = brokerId;
        this.advertised = advertised;
        this.rack = rack;
        this.directoryId = directoryId;
        this.controllers = controllers;
        this.readiness = readiness;
        this.sessionThread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "controller-session-" + brokerId);
            t.setDaemon(true);
            return t;
        });
        this.heartbeatIntervalMs = heartbeatIntervalMs;
        this.onHeartbeat = onHeartbeat;
        this.serving = new ServingState(brokerId, readiness, Long.MAX_VALUE / 2_000_000, change -> { });
    }

    /** Told of every answered heartbeat, on the session thread; must not block. */
    interface HeartbeatListener {
        /**
         * @param controller     the controller that answered (the active one)
         * @param metadataOffset its committed metadata offset when it answered
         */
        void answered(int controller, long metadataOffset, long nowNanos);
    }

    /** This process's registration: a restart, or a replaced log directory, registers a new one. */
    String incarnationId() {
        return incarnationId;
    }

    long brokerEpoch() {
        return brokerEpoch;
    }

    boolean isFenced() {
        return fenced;
    }

    /** See {@link ControllerClient#onServingChange}. */
    void onServingChange(long maxSilenceMs, Consumer<Optional<String>> listener) {
        this.serving = new ServingState(brokerId, readiness, maxSilenceMs, listener);
    }

    /** Tells the serving listener whether the broker serves now, unless closed. */
    void publishServing() {
        if (!closed) {
            serving.publish(System.nanoTime());
        }
    }

    /** Registers in the background, retrying until it succeeds or the session is closed; then heartbeats. */
    void start() {
        sessionThread.execute(this::register);
    }

    /** The log directory failed: tell the controller now and in every heartbeat after. */
    void logDirOffline() {
        logDirOffline = true;
        heartbeatNow();
    }

    /** Sends a heartbeat now, on the session thread, rather than at the next interval. */
    void heartbeatNow() {
        sessionThread.execute(this::heartbeat);
    }

    private void register() {
        if (closed) {
            return;
        }
        try {
            RegisterBrokerRequest.Builder request = RegisterBrokerRequest.newBuilder().setBrokerId(brokerId)
                .setIncarnationId(incarnationId).setRack(rack).setEndpoint(endpoint(advertised.client()))
                .setInternalEndpoint(endpoint(advertised.internal())).setDirectoryId(directoryId);
            advertised.external().ifPresent(e -> request.setExternalEndpoint(endpoint(e)));
            RegisterBrokerResponse r = controllers.stub(controllers.active()).registerBroker(request.build());
            if (r.getError() == ErrorCode.NONE) {
                brokerEpoch = r.getBrokerEpoch();
                readiness.registered(brokerEpoch);
                serving.registered();
                log.info("Broker {} registered with epoch {}", brokerId, brokerEpoch);
                heartbeats = sessionThread.scheduleWithFixedDelay(this::heartbeat, 0, heartbeatIntervalMs, TimeUnit.MILLISECONDS);
                return;
            }
            String refusal = r.getError() + " " + r.getErrorMessage();
            if (!refusal.equals(lastRefusal)) {
                // Until a quorum forms every retry (ten a second) is refused alike: say it once.
                log.info("Registration of broker {} refused: {} (retrying)", brokerId, refusal);
                lastRefusal = refusal;
            }
            controllers.follow(r.getControllerId());
        } catch (RuntimeException e) {
            controllers.follow(-1);
        }
        // Soon: a start waits on this once the quorum has a leader (it was 500 ms, a tenth of a 3-node start).
        sessionThread.schedule(this::register, Math.min(REGISTER_RETRY_MS, heartbeatIntervalMs), TimeUnit.MILLISECONDS);
    }

    /**
     * One heartbeat, to the active controller. A failed or misdirected one is sent again at once
     * to the hinted (or next) controller, so after a controller failover the new one hears from
     * this broker within one interval; each try waits at most one interval (at least 1 s).
     */
    private void heartbeat() {
        try {
            beat();
        } finally {
            publishServing();
        }
    }

    private void beat() {
        long deadlineMs = Math.max(1000, heartbeatIntervalMs);
        for (int attempt = 0; attempt < controllers.ids().size() && !closed; attempt++) {
            int target = controllers.active();
            try {
                BrokerHeartbeatResponse r = controllers.stub(target, deadlineMs)
                    .brokerHeartbeat(BrokerHeartbeatRequest.newBuilder().setBrokerId(brokerId)
                        .setBrokerEpoch(brokerEpoch).setMetadataOffset(readiness.appliedOffset())
                        .setLogDirOffline(logDirOffline).build());
                if (r.getError() == ErrorCode.NONE) {
                    fenced = r.getFenced();
                    readiness.fenced(fenced);
                    long now = System.nanoTime();
                    serving.heartbeatAnswered(now, fenced, r.getMetadataOffset());
                    onHeartbeat.answered(target, r.getMetadataOffset(), now);
                    return;
                }
                if (r.getError() == ErrorCode.STALE_BROKER_EPOCH || r.getError() == ErrorCode.BROKER_NOT_REGISTERED) {
                    // Replaced or forgotten: register again as a new epoch.
                    heartbeats.cancel(false);
                    sessionThread.execute(this::register);
                    return;
                }
                controllers.follow(r.getControllerId());
            } catch (RuntimeException e) {
                controllers.follow(-1);
            }
        }
    }

    /**
     * Controlled shutdown: asks the controller to move leaderships away, until it answers ready or
     * {@code timeoutMs} pass.
     *
     * @param imageOffset the offset of the image applied, reported with each request
     * @return whether the controller confirmed
     */
    boolean controlledShutdown(long timeoutMs, LongSupplier imageOffset) {
        serving.shuttingDown();
        if (brokerEpoch < 0) {
            return true;
        }
        if (heartbeats != null) {
            heartbeats.cancel(false);
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (System.nanoTime() < deadline) {
            try {
                BrokerHeartbeatResponse r = controllers.stub(controllers.active()).brokerHeartbeat(BrokerHeartbeatRequest.newBuilder()
                    .setBrokerId(brokerId)
                    .setBrokerEpoch(brokerEpoch).setMetadataOffset(imageOffset.getAsLong()).setWantShutdown(true).build());
                if (r.getError() == ErrorCode.NONE && r.getShutdownReady()) {
                    return true;
                }
                if (r.getError() != ErrorCode.NONE) {
                    controllers.follow(r.getControllerId());
                }
            } catch (RuntimeException e) {
                controllers.follow(-1);
            }
            CompletableFuture.runAsync(() -> { }, CompletableFuture.delayedExecutor(100, TimeUnit.MILLISECONDS)).join();
        }
        return false;
    }

    /** Stops registering and heartbeating and shuts the session thread down. */
    void close() {
        closed = true;
        if (heartbeats != null) {
            heartbeats.cancel(false);
        }
        sessionThread.shutdownNow();
    }

    private static Endpoint endpoint(InetSocketAddress address) {
        return Endpoint.newBuilder().setHost(address.getHostString()).setPort(address.getPort()).build();
    }
}
