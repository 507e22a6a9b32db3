package io.runnel.broker.config;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The built-in web console ({@code docs/console.md}): where it binds, or off. Off by default: a
 * node opens no port nobody asked for, and several nodes on one host (scripts/cluster, the compose
 * file) would fight over any fixed default port. The container image's defaults file turns it on.
 *
 * <p>With {@code tls.enabled=true} the console serves HTTPS, authenticates browsers by their client
 * certificates and checks the authorizer for each page as the API does, so it may bind anywhere.
 * Without TLS it serves plain HTTP acting with the node's own identity (no one can be told apart),
 * so with {@code authorizer.enabled=true} it may only bind a loopback address: it must not be a way
 * around the ACLs.
 *
 * @param listener where the console's HTTP server binds (port 0 picks a free one), or null when off
 */
public record ConsoleSettings(InetSocketAddress listener) {
    public static final String CONSOLE_LISTENER = "console.listener";
    static final List<String> KEYS = List.of(CONSOLE_LISTENER);
    public static final ConsoleSettings OFF = new ConsoleSettings(null);

    public boolean enabled() {
        return listener != null;
    }

    /** Whether {@code host} names this machine's loopback interface (checked without a DNS lookup). */
    public static boolean isLoopback(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        return h.equals("localhost") || h.equals("::1") || h.equals("[::1]") || h.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");
    }

    /** Reads {@code console.listener}; problems go to {@code problems}, naming the key. */
    static ConsoleSettings parse(Map<String, String> settings, SecuritySettings security, List<String> problems) {
        String text = settings.getOrDefault(CONSOLE_LISTENER, "").trim();
        if (text.isEmpty()) {
            return OFF;
        }
        int colon = text.lastIndexOf(':');
        int port;
        try {
            port = colon <= 0 ? -1 : Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 0 || port > 65535) {
            problems.add(CONSOLE_LISTENER + " '" + text + "' is not <host>:<port> with a port 0-65535 (empty turns the console off)");
            return OFF;
        }
        String host = text.substring(0, colon);
        if (security.authorizer().enabled() && !security.tlsEnabled() && !isLoopback(host)) {
            problems.add(CONSOLE_LISTENER + " '" + text + "' must be a loopback address (127.0.0.1, ::1, localhost) while "
                + AuthorizerSettings.AUTHORIZER_ENABLED + " is true without " + SecuritySettings.TLS_ENABLED
                + ": without TLS the console is plain HTTP acting as this node, nobody can be authenticated, so elsewhere "
                + "it would bypass the ACLs (turn TLS on to serve it over HTTPS with client certificates, or set it "
                + "empty to turn the console off)");
            return OFF;
        }
        return new ConsoleSettings(InetSocketAddress.createUnresolved(host, port));
    }
}
