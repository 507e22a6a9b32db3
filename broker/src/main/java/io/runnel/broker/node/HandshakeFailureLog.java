package io.runnel.broker.node;

import java.util.logging.Filter;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.slf4j.LoggerFactory;

/**
 * One clear line for a refused TLS handshake on a listener. A client that sends no certificate to
 * a listener that requires one fails inside the TLS engine, before any of our code (the trust
 * manager, the interceptors) runs; grpc-netty reports it only at FINE ("TLS negotiation failed
 * for new client.", with the SSL engine's details) on its {@code java.util.logging} logger of
 * protocol negotiation. This filter on that logger turns such records into one WARN line through
 * SLF4J; the logger's other records go on as before.
 */
final class HandshakeFailureLog implements Filter {
    /** grpc-netty's (shaded) logger of TLS negotiation. */
    static final String GRPC_NEGOTIATION_LOGGER = "io.grpc.netty.shaded.io.grpc.netty.ProtocolNegotiators";
    private static final String FAILED = "TLS negotiation failed";
    private static final org.slf4j.Logger log = LoggerFactory.getLogger(HandshakeFailureLog.class);

    private HandshakeFailureLog() {
    }

    /**
     * Installs the filter (once per JVM; later calls find it there) and returns the logger, which
     * the caller keeps: {@code java.util.logging} holds loggers weakly, and a collected logger
     * would lose its filter.
     */
    static Logger install() {
        Logger negotiation = Logger.getLogger(GRPC_NEGOTIATION_LOGGER);
        synchronized (HandshakeFailureLog.class) {
            if (!(negotiation.getFilter() instanceof HandshakeFailureLog)) {
                negotiation.setFilter(new HandshakeFailureLog());
                // The failure is logged at FINE; the root handler still prints only INFO and above.
                negotiation.setLevel(Level.FINE);
            }
        }
        return negotiation;
    }

    @Override
    public boolean isLoggable(LogRecord record) {
        if (record.getMessage() == null || !record.getMessage().startsWith(FAILED)) {
            return true;
        }
        // grpc-netty hands the record no cause; the refused side sees an SSLException naming it.
        log.warn("Refused a TLS handshake on a listener: a client without a certificate, or with one that no CA in "
            + "tls.ca.file signed, where one is required; or a client that does not trust this node's certificate{}",
            record.getThrown() == null ? "" : " (" + record.getThrown() + ")");
        return false;
    }
}
