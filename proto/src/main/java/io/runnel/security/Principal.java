package io.runnel.security;

import java.security.cert.X509Certificate;

/**
 * Who a call runs as, written {@code type:name} as Kafka writes principals ({@code User:CN=alice}).
 * From a client certificate the name is its subject's distinguished name in RFC 2253 form, as
 * Kafka's default {@code ssl.principal.mapping.rules=DEFAULT} gives it: a certificate for
 * {@code /O=acme/CN=alice} is {@code User:CN=alice,O=acme}. Calls without a certificate (plaintext,
 * or TLS without client authentication) run as {@link #ANONYMOUS}.
 *
 * @param type the principal type; {@code User} for every principal Runnel makes today
 * @param name the name within the type
 */
public record Principal(String type, String name) {
    public static final String USER = "User";
    /** The principal of a caller that showed no certificate. */
    public static final Principal ANONYMOUS = new Principal(USER, "ANONYMOUS");

    /** @throws IllegalArgumentException if the type is blank or holds ':' or the name is blank */
    public Principal {
        if (type == null || type.isBlank() || type.contains(":")) {
            throw new IllegalArgumentException("principal type must be non-blank without ':', got '" + type + "'");
        }
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("principal name must be non-blank");
        }
    }

    public static Principal user(String name) {
        return new Principal(USER, name);
    }

    /**
     * {@code type:name}, split at the first colon.
     *
     * @throws IllegalArgumentException naming the text if it has no type
     */
    public static Principal parse(String text) {
        int colon = text.indexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("principal '" + text + "' is not <type>:<name>, e.g. User:CN=alice");
        }
        return new Principal(text.substring(0, colon), text.substring(colon + 1));
    }

    /** The principal a certificate authenticates: {@code User:} and its subject DN (RFC 2253). */
    public static Principal of(X509Certificate certificate) {
        return user(certificate.getSubjectX500Principal().getName());
    }

    @Override
    public String toString() {
        return type + ":" + name;
    }
}
