package io.runnel.metadata.controller;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

/** A refused connection is the only evidence; an accepting listener, even one that never accepts, is none. */
class ListenerProbeTest {
    private final ListenerProbe probe = ListenerProbe.tcp(2_000);

    @Test
    void aPortNothingListensOn_isRefused() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        assertTrue(probe.refused("127.0.0.1", port).get());
    }

    @Test
    void aListenerThatNeverCallsAccept_isNoEvidence() throws Exception {
        // A busy process: the kernel completes the handshake from the backlog without the JVM.
        try (ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            assertFalse(probe.refused("127.0.0.1", s.getLocalPort()).get());
        }
    }

    @Test
    void anUnresolvableHost_isNoEvidence() throws Exception {
        assertFalse(probe.refused("no-such-host.invalid", 9093).get());
    }

    @Test
    void aTimeoutBelowOneMillisecond_isRefusedAtConstruction() {
        assertThrows(IllegalArgumentException.class, () -> ListenerProbe.tcp(0));
    }
}
