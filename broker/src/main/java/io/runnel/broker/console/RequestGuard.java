package io.runnel.broker.console;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Cross-site request forgery checks for the console's POSTs: the form must carry this console's
 * token (random per start, written only into its own pages, which another origin cannot read), and
 * a browser's {@code Origin}, when sent, must be this console's own address.
 */
final class RequestGuard {
    private final String token;

    RequestGuard(SecureRandom random) {
        byte[] bytes = new byte[24];
        random.nextBytes(bytes);
        this.token = HexFormat.of().formatHex(bytes);
    }

    String token() {
        return token;
    }

    /**
     * @param origin the request's Origin header, or null
     * @param host   the request's Host header, or null
     * @param scheme {@code http} or {@code https}: how the console is served
     * @throws ConsoleError 403 naming what failed
     */
    void check(Params form, String origin, String host, String scheme) {
        if (origin != null && !origin.equals("null") && (host == null || !origin.equals(scheme + "://" + host))) {
            throw new ConsoleError(403, "refused: a form from " + origin + " may not change this console at " + host);
        }
        if (origin != null && origin.equals("null")) {
            throw new ConsoleError(403, "refused: a form from an opaque origin may not change this console");
        }
        byte[] sent = form.text("csrf", "").getBytes(StandardCharsets.UTF_8);
        if (!MessageDigest.isEqual(sent, token.getBytes(StandardCharsets.UTF_8))) {
            throw new ConsoleError(403, "refused: the form's token is missing or stale (reload the page and try again)");
        }
    }
}
