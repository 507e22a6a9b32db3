package io.runnel.broker.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The rules of {@link ServingState}, one event at a time (times are nanos handed in). */
class ServingStateTest {
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    private final MetadataReadiness readiness = new MetadataReadiness(7);
    private final List<Optional<String>> published = new ArrayList<>();
    private final ServingState state = new ServingState(7, readiness, 2000, published::add);

    /** Registered at offset 10, applied 10, unfenced: ready (for good). */
    private void makeReady() {
        readiness.registered(10);
        readiness.applied(10);
        readiness.fenced(false);
        assertTrue(readiness.isReady());
    }

    private static void assertNotServing(Optional<String> why, String containing) {
        assertTrue(why.isPresent() && why.get().contains(containing), why.toString());
    }

    @Test
    void notReadyYet_isNotServing_sayingWhy() {
        assertNotServing(state.notServing(0), "not registered");
        readiness.registered(10);
        state.heartbeatAnswered(0, true, 10);
        assertNotServing(state.notServing(0), "catching up");
    }

    @Test
    void ready_unfencedAndAnswered_serves() {
        makeReady();
        assertNotServing(state.notServing(0), "no heartbeat answered");
        state.heartbeatAnswered(0, false, 10);
        assertEquals(Optional.empty(), state.notServing(100 * MS));
    }

    @Test
    void noAnswerForLongerThanTheSession_isNotServing_thenAnAnswerServesAgain() {
        makeReady();
        state.heartbeatAnswered(0, false, 10);
        assertEquals(Optional.empty(), state.notServing(2000 * MS));
        assertNotServing(state.notServing(2001 * MS), "no quorum");
        state.heartbeatAnswered(2500 * MS, false, 10);
        assertEquals(Optional.empty(), state.notServing(2600 * MS));
    }

    @Test
    void fencedByTheController_isNotServing_untilUnfenced() {
        makeReady();
        state.heartbeatAnswered(0, true, 10);
        assertNotServing(state.notServing(0), "fenced");
        state.heartbeatAnswered(MS, false, 10);
        assertEquals(Optional.empty(), state.notServing(MS));
        state.registered();
        assertNotServing(state.notServing(MS), "fenced");
    }

    @Test
    void behindWhatTheControllerReportedAHeartbeatAgo_isNotServing_untilApplied() {
        makeReady();
        state.heartbeatAnswered(0, false, 20);
        assertEquals(Optional.empty(), state.notServing(0), "one heartbeat of lag is allowed");
        state.heartbeatAnswered(MS, false, 20);
        assertNotServing(state.notServing(MS), "behind the metadata log: applied offset 10");
        readiness.applied(20);
        assertEquals(Optional.empty(), state.notServing(MS));
    }

    @Test
    void publish_tellsTheListenerEachTurnOnce_andAShutdownAtOnce() {
        state.publish(0);
        makeReady();
        state.heartbeatAnswered(0, false, 10);
        state.publish(MS);
        state.publish(2 * MS);
        state.shuttingDown();
        state.heartbeatAnswered(3 * MS, false, 10);
        state.publish(3 * MS);
        assertEquals(3, published.size(), published.toString());
        assertNotServing(published.get(0), "not registered");
        assertEquals(Optional.empty(), published.get(1));
        assertNotServing(published.get(2), "shutting down");
    }
}
