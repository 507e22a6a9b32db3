package io.runnel.metadata.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runnel.metadata.quorum.QuorumServer;
import io.runnel.metadata.quorum.SingleVoterQuorum;
import io.runnel.proto.v1.Endpoint;
import io.runnel.proto.v1.ErrorCode;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Broker sessions on a real 1-voter Ratis quorum: registration, heartbeats and each way a broker gets fenced. */
class BrokerSessionsTest {
    @TempDir
    Path tmp;
    private QuorumServer quorum;
    private ScheduledExecutorService scheduler;
    private BrokerSessions sessions;

    @BeforeEach
    void setUp() throws IOException {
        scheduler = Executors.newScheduledThreadPool(2);
        quorum = SingleVoterQuorum.start(tmp.resolve("raft"));
    }

    @AfterEach
    void tearDown() {
        if (sessions != null) {
            sessions.stopped();
        }
        quorum.close();
        scheduler.shutdownNow();
    }

    private BrokerSessions start(long sessionTimeoutMs, long heartbeatIntervalMs, ListenerProbe probe) {
        sessions = new BrokerSessions(quorum, new ActiveProposer(quorum), new ProducerIdKeys(), Clock.systemUTC(), scheduler,
            sessionTimeoutMs, heartbeatIntervalMs, probe);
        sessions.becameActive();
        return sessions;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Registers broker {@code id} with its internal listener on {@code internalPort} and unfences it. */
    private long registerLive(int id, int internalPort) {
        long epoch = sessions.register(new BrokerRegistrationRequest(id, "inc-" + id, "127.0.0.1", 9000 + id,
            Endpoint.newBuilder().setHost("127.0.0.1").setPort(internalPort).build(), "", "")).join();
        assertEquals(new HeartbeatResult(false, false),
            sessions.heartbeat(id, epoch, quorum.image().offset(), false, false, null).join());
        assertFalse(quorum.image().brokers().get(id).fenced());
        return epoch;
    }

    private static ErrorCode refusal(Runnable call) {
        CompletionException e = assertThrows(CompletionException.class, call::run);
        return ((ControllerException) e.getCause()).code();
    }

    @Test
    void aRegisteredBroker_staysFencedUntilItsMetadataReachesItsRegistration() {
        start(60_000, 2_000, ListenerProbe.NONE);
        long epoch = sessions.register(new BrokerRegistrationRequest(1, "a", "127.0.0.1", 9001, null, "", "")).join();
        assertEquals(new HeartbeatResult(true, false), sessions.heartbeat(1, epoch, epoch - 1, false, false, null).join());
        assertEquals(new HeartbeatResult(false, false), sessions.heartbeat(1, epoch, epoch, false, false, null).join());
        assertFalse(quorum.image().brokers().get(1).fenced());
    }

    @Test
    void heartbeatsOfUnknownOrStaleBrokers_areRefusedWithTheirCode() throws IOException {
        start(60_000, 2_000, ListenerProbe.NONE);
        long epoch = registerLive(1, freePort());
        assertEquals(ErrorCode.BROKER_NOT_REGISTERED, refusal(() -> sessions.heartbeat(7, epoch, 0, false, false, null).join()));
        assertEquals(ErrorCode.STALE_BROKER_EPOCH, refusal(() -> sessions.heartbeat(1, epoch + 1, 0, false, false, null).join()));
    }

    @Test
    void aSecondProcessWithALiveBrokersId_isRefused() throws IOException {
        start(60_000, 2_000, ListenerProbe.NONE);
        registerLive(1, freePort());
        assertEquals(ErrorCode.DUPLICATE_BROKER_REGISTRATION, refusal(() -> sessions.register(
            new BrokerRegistrationRequest(1, "another", "127.0.0.1", 9001, null, "", "")).join()));
    }

    @Test
    void aBrokerThatLeadsNothing_isReadyToShutDownAtOnce() throws IOException {
        start(60_000, 2_000, ListenerProbe.NONE);
        long epoch = registerLive(1, freePort());
        assertEquals(new HeartbeatResult(true, true), sessions.heartbeat(1, epoch, quorum.image().offset(), true, false, null).join());
        assertTrue(quorum.image().brokers().get(1).fenced());
    }

    @Test
    void aBrokerReportingItsLogDirOffline_isFenced() throws IOException {
        start(60_000, 2_000, ListenerProbe.NONE);
        long epoch = registerLive(1, freePort());
        assertEquals(new HeartbeatResult(true, false), sessions.heartbeat(1, epoch, quorum.image().offset(), false, true, null).join());
        assertTrue(quorum.image().brokers().get(1).fenced());
    }

    @Test
    void aBrokerSilentPastItsSession_isFenced() throws IOException {
        start(1_000, 200, ListenerProbe.NONE);
        registerLive(1, freePort());
        Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> quorum.image().brokers().get(1).fenced());
    }

    @Test
    void aBrokerWhoseHeartbeatConnectionClosed_isFencedLongBeforeItsSession() throws IOException {
        start(600_000, 300, ListenerProbe.NONE);
        long epoch = sessions.register(new BrokerRegistrationRequest(1, "a", "127.0.0.1", 9001, null, "", "")).join();
        InetSocketAddress connection = new InetSocketAddress("127.0.0.1", 40_001);
        sessions.heartbeat(1, epoch, quorum.image().offset(), false, false, connection).join();
        assertFalse(quorum.image().brokers().get(1).fenced());
        sessions.connectionClosed(new InetSocketAddress("127.0.0.1", 40_002)); // another client's: nothing happens
        sessions.connectionClosed(connection);
        Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> quorum.image().brokers().get(1).fenced());
    }

    @Test
    void aNewActiveControllerFencesABrokerWhoseListenerRefuses_beforeItsFirstDeadline() throws IOException {
        // The first deadline is half the 60 s session here: only the probe can fence it within the wait below.
        start(60_000, 10_000, ListenerProbe.NONE);
        registerLive(1, freePort()); // nothing listens there: a gone process
        try (ServerSocket live = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            registerLive(2, live.getLocalPort());
            sessions.stopped();
            start(60_000, 10_000, ListenerProbe.tcp(2_000)); // as a newly elected active controller
            Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> quorum.image().brokers().get(1).fenced());
            assertFalse(quorum.image().brokers().get(2).fenced(), "its listener accepts: it keeps its session");
        }
    }
}
