package io.runnel.broker.console;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A request's parameters (a query string or a urlencoded form), read with checks that turn bad
 * input into a {@link ConsoleError} naming the parameter, never a stack trace.
 *
 * @param values first value of each parameter, decoded
 */
record Params(Map<String, String> values) {
    Params {
        values = Map.copyOf(values);
    }

    /** Parses {@code a=1&b=x%20y}; null or empty gives no parameters; a repeated name keeps its first value. */
    static Params parse(String encoded) {
        Map<String, String> values = new LinkedHashMap<>();
        if (encoded != null && !encoded.isEmpty()) {
            for (String pair : encoded.split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                try {
                    String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                    String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                    values.putIfAbsent(name, value);
                } catch (IllegalArgumentException e) {
                    throw ConsoleError.badRequest("malformed parameter '" + pair + "': " + e.getMessage());
                }
            }
        }
        return new Params(values);
    }

    /** The parameter's text, or {@code fallback} when absent or blank. */
    String text(String name, String fallback) {
        String v = values.get(name);
        return v == null || v.isBlank() ? fallback : v.trim();
    }

    /** The parameter's text; absent or blank is a 400 naming it. */
    String required(String name) {
        String v = text(name, null);
        if (v == null) {
            throw ConsoleError.badRequest("parameter '" + name + "' is required");
        }
        return v;
    }

    /** A whole number in [min, max], or {@code fallback} when absent; anything else is a 400 naming it. */
    long longIn(String name, long fallback, long min, long max) {
        String v = text(name, null);
        if (v == null) {
            return fallback;
        }
        try {
            long n = Long.parseLong(v);
            if (n < min || n > max) {
                throw ConsoleError.badRequest("parameter '" + name + "' must be between " + min + " and " + max + ", got " + n);
            }
            return n;
        } catch (NumberFormatException e) {
            throw ConsoleError.badRequest("parameter '" + name + "' must be a whole number, got '" + v + "'");
        }
    }

    int intIn(String name, int fallback, int min, int max) {
        return (int) longIn(name, fallback, min, max);
    }

    /** One of {@code allowed}, or {@code fallback} when absent; anything else is a 400 naming the choices. */
    String oneOf(String name, String fallback, String... allowed) {
        String v = text(name, fallback);
        for (String a : allowed) {
            if (a.equals(v)) {
                return v;
            }
        }
        throw ConsoleError.badRequest("parameter '" + name + "' must be one of " + String.join(", ", allowed) + ", got '" + v + "'");
    }
}
