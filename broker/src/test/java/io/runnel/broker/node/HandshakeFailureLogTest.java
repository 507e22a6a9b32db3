package io.runnel.broker.node;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

class HandshakeFailureLogTest {
    @Test
    void grpcsTlsNegotiationFailure_becomesOurLine_andOtherRecordsPass() {
        Logger negotiation = HandshakeFailureLog.install();
        assertSame(negotiation.getFilter(), HandshakeFailureLog.install().getFilter(), "installed once");
        assertTrue(negotiation.isLoggable(Level.FINE), "grpc-netty logs the failure at FINE");
        assertFalse(negotiation.getFilter().isLoggable(new LogRecord(Level.FINE,
            "TLS negotiation failed for new client.\nSSLEngine Details: [\n]")));
        assertTrue(negotiation.getFilter().isLoggable(new LogRecord(Level.FINE, "Failed protocol negotiation: ...")));
    }
}
