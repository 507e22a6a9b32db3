package io.runnel.broker.config;

import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * One setting's value read for the parsers of this package. A bad value adds a problem naming the
 * key, the bound and what was given, and a value is returned anyway, so parsing goes on and every
 * bad key of a configuration is reported at once.
 */
final class SettingValues {
    private SettingValues() {
    }

    /** A required integer in {@code [min, max]}. */
    static int intIn(Map<String, String> settings, String key, int min, int max, List<String> problems) {
        return intIn(settings, key, min, max, problems, null);
    }

    /** An integer in {@code [min, max]}, {@code fallback} when unset. */
    static int intIn(Map<String, String> settings, String key, int min, int max, List<String> problems, String fallback) {
        String text = settings.getOrDefault(key, fallback);
        try {
            int value = Integer.parseInt(text);
            if (value < min || value > max) {
                problems.add(key + " must be between " + min + " and " + max + ", got " + value);
            }
            return value;
        } catch (NumberFormatException e) {
            problems.add(key + " must be an integer, got '" + text + "'");
            return min;
        }
    }

    /** A long of at least {@code min}, {@code fallback} when unset. */
    static long longAtLeast(Map<String, String> settings, String key, long min, String fallback, List<String> problems) {
        String text = settings.getOrDefault(key, fallback);
        try {
            long value = Long.parseLong(text);
            if (value < min) {
                problems.add(key + " must be at least " + min + ", got " + value);
            }
            return value;
        } catch (NumberFormatException e) {
            problems.add(key + " must be an integer, got '" + text + "'");
            return min;
        }
    }

    /** {@code true} or {@code false} exactly, {@code fallback} when unset; anything else is a problem (and false). */
    static boolean bool(Map<String, String> settings, String key, String fallback, List<String> problems) {
        String text = settings.getOrDefault(key, fallback);
        if (!text.equals("true") && !text.equals("false")) {
            problems.add(key + " must be true or false, got '" + text + "'");
        }
        return text.equals("true");
    }

    /**
     * A value built from settings just read: {@code fallback} if reading them added problems since
     * there were {@code before}, or if {@code build} refuses them (its message becomes a problem).
     */
    static <T> T built(List<String> problems, int before, T fallback, Supplier<T> build) {
        if (problems.size() > before) {
            return fallback;
        }
        try {
            return build.get();
        } catch (IllegalArgumentException e) {
            problems.add(e.getMessage());
            return fallback;
        }
    }
}
