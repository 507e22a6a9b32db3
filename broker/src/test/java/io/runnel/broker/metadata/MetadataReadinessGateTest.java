package io.runnel.broker.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The readiness gate's states, driven one event at a time: catching up, waiting for unfence, ready. */
class MetadataReadinessGateTest {
    private final MetadataReadiness readiness = new MetadataReadiness(7);

    @Test
    void notReadyUntilRegisteredCaughtUpWithTheRegistrationAndUnfenced() {
        assertTrue(readiness.notReady().orElseThrow().contains("not registered"));
        readiness.applied(10);
        readiness.fenced(false);
        assertFalse(readiness.isReady(), "an unfenced answer before any registration counts for nothing");
        readiness.registered(40);
        assertTrue(readiness.notReady().orElseThrow().contains("applied offset 10 of its registration at 40"));
        readiness.applied(39);
        assertFalse(readiness.isReady(), "one record short of the registration");
        readiness.applied(40);
        assertTrue(readiness.notReady().orElseThrow().contains("waiting for the controller to unfence it"));
        readiness.fenced(true);
        assertFalse(readiness.isReady());
        readiness.fenced(false);
        assertTrue(readiness.isReady());
        assertTrue(readiness.notReady().isEmpty());
        assertEquals(40, readiness.appliedOffset());
    }

    @Test
    void onceReadyAFencingOrReRegistrationDoesNotTakeItBack() {
        readiness.registered(5);
        readiness.applied(5);
        readiness.fenced(false);
        assertTrue(readiness.isReady());
        readiness.fenced(true);
        readiness.registered(90);
        assertTrue(readiness.isReady());
    }

    @Test
    void appliedOffsetNeverMovesBack() {
        readiness.applied(12);
        readiness.applied(3);
        assertEquals(12, readiness.appliedOffset());
    }
}
