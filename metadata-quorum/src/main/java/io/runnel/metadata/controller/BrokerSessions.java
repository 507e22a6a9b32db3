package io.runnel.metadata.controller;

import io.runnel.metadata.image.BrokerInfo;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.metadata.image.PartitionInfo;
import io.runnel.metadata.quorum.QuorumServer;
import io.runnel.proto.v1.ApplyResult;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.MetadataBatch;
import java.net.SocketAddress;
import java.time.Clock;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The active controller's broker sessions: registrations, heartbeats, and the fencing of brokers
 * that stop heartbeating. {@link QuorumController} hands its broker calls here.
 *
 * <p>Heartbeats stay in the leader's memory, not the log. A broker is fenced (its leaderships move)
 * when it misses its session, or sooner when its process is evidently gone: the connection that
 * carried its heartbeats closed and no heartbeat came on another one within a heartbeat interval
 * (a killed process's sockets are closed by its kernel at once; a paused or cut-off one still needs
 * the session). A new active controller gives every live broker a short first deadline (a few
 * heartbeat intervals, since a live broker follows the new leader at once), and a restarted broker
 * (new incarnation) replaces its old registration as soon as the old one has missed two heartbeats.
 *
 * <p>Evidence beats waiting: a broker this controller has not heard from since it became active, or
 * whose heartbeat connection closed, is probed ({@link ListenerProbe}: a TCP connect to its internal
 * listener). If the connection is refused, the broker's process is gone, and it is fenced at once
 * unless it heartbeated (or re-registered) while the probe was out. This is what lets a new active
 * controller fence the old one's broker within moments of taking over, although it never saw that
 * broker's heartbeats: no timer is shortened, so a live broker, however busy or slow to find the new
 * controller, is never fenced by it (its kernel accepts the connection).
 *
 * <p>Thread-safety: all methods are safe from any thread; the two fencing decisions (silent
 * brokers, a probe's verdict) are serialized on this object.
 */
final class BrokerSessions {
    private static final Logger log = LoggerFactory.getLogger(BrokerSessions.class);

    private final QuorumServer quorum;
    private final ActiveProposer proposer;
    private final ProducerIdKeys producerIdKeys;
    private final Clock clock;
    private final ScheduledExecutorService scheduler;
    private final long sessionTimeoutMs;
    private final long heartbeatIntervalMs;
    private final ListenerProbe probe;
    private final Map<Integer, Long> lastHeartbeat = new ConcurrentHashMap<>();
    /** The connection (remote address) each broker's last heartbeat came on, where the transport tells. */
    private final Map<Integer, SocketAddress> sessionConnection = new ConcurrentHashMap<>();
    /** When the connection carrying a broker's heartbeats closed, until it heartbeats again. */
    private final Map<Integer, Long> connectionLostAt = new ConcurrentHashMap<>();
    /** Heartbeats and registrations received per broker, so a probe's verdict is dropped if one came meanwhile. */
    private final Map<Integer, Long> beats = new ConcurrentHashMap<>();
    /** Brokers that heartbeated (or registered) since this node became the active controller. */
    private final Set<Integer> heardSinceActive = ConcurrentHashMap.newKeySet();
    /** Brokers with a probe out, or whose fencing by a probe is being proposed: each gets one at a time. */
    private final Set<Integer> probing = ConcurrentHashMap.newKeySet();
    private volatile ScheduledFuture<?> sessionChecker;

    /**
     * @param sessionTimeoutMs    a broker silent for this long is fenced
     * @param heartbeatIntervalMs how often brokers heartbeat: sets how soon a broker whose connection
     *                            closed, or that has not found a new active controller, counts as gone
     * @param probe               tells whether a silent broker's process is gone ({@link ListenerProbe#NONE}: never)
     */
    BrokerSessions(QuorumServer quorum, ActiveProposer proposer, ProducerIdKeys producerIdKeys, Clock clock,
                   ScheduledExecutorService scheduler, long sessionTimeoutMs, long heartbeatIntervalMs, ListenerProbe probe) {
        this.quorum = quorum;
        this.proposer = proposer;
        this.producerIdKeys = producerIdKeys;
        this.clock = clock;
        this.scheduler = scheduler;
        this.sessionTimeoutMs = sessionTimeoutMs;
        this.heartbeatIntervalMs = heartbeatIntervalMs;
        this.probe = probe;
    }

    // ---------------------------------------------------------------- leadership

    /** This node became the active controller: fresh sessions for the live brokers, and the session checker started. */
    void becameActive() {
        scheduler.execute(() -> {
            long now = clock.millis();
            // Unfenced brokers get a fresh session; fenced ones have none until they heartbeat again,
            // so a restarted broker (new incarnation) can register at once.
            // A live broker finds the new leader within a heartbeat or two (it follows NOT_CONTROLLER
            // hints at once), so one that has not after a few intervals is taken as gone with the old
            // leader's node: its leaderships must not wait for a whole fresh session.
            lastHeartbeat.clear();
            sessionConnection.clear();
            connectionLostAt.clear();
            heardSinceActive.clear();
            long firstDeadline = Math.min(sessionTimeoutMs, Math.max(1500, 3 * heartbeatIntervalMs));
            quorum.image().liveBrokers().forEach(b -> lastHeartbeat.put(b.id(), now - sessionTimeoutMs + firstDeadline));
            long every = Math.max(10, Math.min(sessionTimeoutMs / 4, heartbeatIntervalMs / 2));
            sessionChecker = scheduler.scheduleWithFixedDelay(this::fenceSilentBrokers, every, every, TimeUnit.MILLISECONDS);
            log.info("Node {} is the active controller", quorum.nodeId());
            // The old active controller's node may be gone with it: ask now rather than at the first deadline.
            quorum.image().liveBrokers().forEach(b -> probe(b, "has not heartbeated to the new active controller"));
        });
    }

    /** This node is no longer the active controller (or is closing): the session checker stops. */
    void stopped() {
        ScheduledFuture<?> task = sessionChecker;
        if (task != null) {
            task.cancel(false);
        }
    }

    // ---------------------------------------------------------------- registration and heartbeats

    /**
     * A broker (re)joins; see {@link BrokerDecisions#registerBroker(MetadataImage, BrokerRegistrationRequest, boolean)}.
     *
     * @return the broker epoch of the new registration
     */
    CompletableFuture<Long> register(BrokerRegistrationRequest request) {
        int brokerId = request.brokerId();
        return proposer.decide(() -> {
            BrokerInfo existing = quorum.image().brokers().get(brokerId);
            // Alive = heard from within two heartbeat intervals: a killed and restarted broker's old
            // incarnation has gone quiet by the time the new one registers, while a second process
            // configured with a live broker's id is refused.
            boolean alive = existing != null
                && clock.millis() - lastHeartbeat.getOrDefault(brokerId, 0L) <= Math.min(sessionTimeoutMs, 2 * heartbeatIntervalMs);
            MetadataBatch registration = BrokerDecisions.registerBroker(quorum.image(), request, alive);
            // Said once the registration is decided, not for each refused retry (the fault suite's
            // log had it 14 times in 1.5 s while the old incarnation still counted as alive).
            if (existing != null && existing.directoryChangedTo(request.directoryId())) {
                log.warn("Broker {} registers with log directory {}, not {}: its replicas lost their data; it leaves every ISR "
                    + "until it has caught up", brokerId, request.directoryId(), existing.directoryId());
            }
            return producerIdKeys.ensured(quorum.image(), registration);
        }).thenApply(result -> {
            heard(brokerId);
            return result.getOffset();
        });
    }

    /**
     * Renews the broker's session; unfences it once its metadata has reached its registration;
     * with {@code wantShutdown}, moves its leaderships away and answers ready once it leads nothing.
     *
     * @param logDirOffline the broker's log directory failed (an I/O error): it is fenced, its
     *                      leaderships move away and it leaves every ISR it is not the last member
     *                      of, and it stays fenced while it says so (Kafka's offline log directory)
     * @param connection    the remote address the heartbeat came from, or null if the transport does
     *                      not say; {@link #connectionClosed} with it then counts as the broker leaving
     */
    CompletableFuture<HeartbeatResult> heartbeat(int brokerId, long brokerEpoch, long metadataOffset, boolean wantShutdown,
                                                 boolean logDirOffline, SocketAddress connection) {
        try {
            proposer.requireActive();
            MetadataImage image = quorum.image();
            BrokerInfo b = image.brokers().get(brokerId);
            if (b == null) {
                throw new ControllerException(ErrorCode.BROKER_NOT_REGISTERED, "broker " + brokerId + " is not registered");
            }
            if (b.epoch() != brokerEpoch) {
                throw new ControllerException(ErrorCode.STALE_BROKER_EPOCH, "broker " + brokerId + " is at epoch " + b.epoch()
                    + ", not " + brokerEpoch);
            }
            heard(brokerId);
            connectionLostAt.remove(brokerId);
            if (connection != null) {
                sessionConnection.put(brokerId, connection);
            }
            if (wantShutdown) {
                if (!b.fenced() || leadsOrFollowsInIsr(image, brokerId)) {
                    return proposer.propose(BrokerDecisions.fenceBroker(image, brokerId)).thenApply(r -> {
                        boolean ready = !leadsOrFollowsInIsr(quorum.image(), brokerId);
                        if (ready) {
                            lastHeartbeat.remove(brokerId);
                        }
                        return new HeartbeatResult(true, ready);
                    });
                }
                lastHeartbeat.remove(brokerId); // shut down: its session ends here
                return CompletableFuture.completedFuture(new HeartbeatResult(true, true));
            }
            if (logDirOffline) {
                if (!b.fenced() || leadsOrFollowsInIsr(image, brokerId)) {
                    log.warn("Broker {} reports its log directory offline: fencing it and moving its leaderships away", brokerId);
                    return proposer.propose(BrokerDecisions.fenceBroker(image, brokerId))
                        .thenApply(r -> new HeartbeatResult(true, false));
                }
                return CompletableFuture.completedFuture(new HeartbeatResult(true, false));
            }
            if (b.fenced() && metadataOffset >= b.epoch()) {
                return proposer.propose(BrokerDecisions.unfenceBroker(image, brokerId, brokerEpoch))
                    .thenApply(r -> new HeartbeatResult(false, false));
            }
            return CompletableFuture.completedFuture(new HeartbeatResult(b.fenced(), false));
        } catch (ControllerException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * A client connection to this controller closed. A broker whose heartbeats came on it is fenced
     * if no heartbeat arrives (on a new connection) within a heartbeat interval, or at once if its
     * listener refuses a connection before it heartbeats again.
     */
    void connectionClosed(SocketAddress remote) {
        if (remote == null) {
            return;
        }
        long now = clock.millis();
        sessionConnection.forEach((broker, connection) -> {
            if (remote.equals(connection) && sessionConnection.remove(broker, connection)) {
                connectionLostAt.put(broker, now);
                scheduler.schedule(this::fenceSilentBrokers, heartbeatIntervalMs + 1, TimeUnit.MILLISECONDS);
                BrokerInfo b = quorum.image().brokers().get(broker);
                if (b != null && !b.fenced() && quorum.isActiveController()) {
                    probe(b, "lost its heartbeat connection");
                }
            }
        });
    }

    private static boolean leadsOrFollowsInIsr(MetadataImage image, int brokerId) {
        for (Map.Entry<String, PartitionInfo> e : image.allPartitions()) {
            PartitionInfo p = e.getValue();
            if (p.leader() == brokerId || p.isr().contains(brokerId) && p.isr().size() > 1) {
                return true;
            }
        }
        return false;
    }

    /** A heartbeat or registration from the broker: renews its session and voids any probe out for it. */
    private void heard(int brokerId) {
        lastHeartbeat.put(brokerId, clock.millis());
        beats.merge(brokerId, 1L, Long::sum);
        heardSinceActive.add(brokerId);
    }

    // ---------------------------------------------------------------- fencing

    private synchronized void fenceSilentBrokers() {
        if (!quorum.isActiveController()) {
            return;
        }
        long now = clock.millis();
        for (BrokerInfo b : quorum.image().liveBrokers()) {
            if (!heardSinceActive.contains(b.id())) {
                probe(b, "has not heartbeated to the new active controller");
            }
            Long heard = lastHeartbeat.putIfAbsent(b.id(), now);
            long last = heard == null ? now : heard;
            Long lost = connectionLostAt.get(b.id());
            boolean gone = lost != null && last <= lost && now - lost >= heartbeatIntervalMs;
            if (now - last > sessionTimeoutMs || gone) {
                log.warn("Broker {} {} ({} ms without a heartbeat): fencing it", b.id(),
                    gone ? "lost its connection and did not come back" : "missed its session (or a new controller's first deadline)",
                    now - last);
                fence(b.id());
            }
        }
    }

    private CompletableFuture<ApplyResult> fence(int brokerId) {
        lastHeartbeat.remove(brokerId);
        connectionLostAt.remove(brokerId);
        return quorum.propose(BrokerDecisions.fenceBroker(quorum.image(), brokerId)).whenComplete((r, e) -> {
            if (e != null) {
                log.warn("Fencing broker {} failed: {}", brokerId, e.toString());
            }
        });
    }

    /** Probes a silent broker's internal listener (one probe out per broker); a refusal fences it, see the class comment. */
    private void probe(BrokerInfo b, String why) {
        if (!probing.add(b.id())) {
            return;
        }
        long beatsBefore = beats.getOrDefault(b.id(), 0L);
        probe.refused(b.internalHost(), b.internalPort()).whenComplete((refused, e) -> {
            if (Boolean.TRUE.equals(refused)) {
                scheduler.execute(() -> fenceIfStillSilent(b, beatsBefore, why));
            } else {
                probing.remove(b.id());
            }
        });
    }

    private synchronized void fenceIfStillSilent(BrokerInfo probed, long beatsBefore, String why) {
        BrokerInfo b = quorum.image().brokers().get(probed.id());
        if (!quorum.isActiveController() || b == null || b.fenced() || b.epoch() != probed.epoch()
            || beats.getOrDefault(b.id(), 0L) != beatsBefore) {
            probing.remove(probed.id());
            return; // fenced already, replaced, or it spoke meanwhile: a refusal from a moment ago proves nothing now
        }
        log.warn("Broker {} {} and its listener {}:{} refuses connections (its process is gone): fencing it", b.id(), why,
            b.internalHost(), b.internalPort());
        fence(b.id()).whenComplete((r, e) -> probing.remove(b.id())); // no second probe while this fencing is proposed
    }
}
