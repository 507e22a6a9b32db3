package io.runnel.broker.group;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;

/**
 * A consumer's topic regular expression. Matched with RE2/J, in time linear in the topic name, so
 * no expression can backtrack catastrophically (java.util.regex took exponential time on
 * {@code (a+)+b} against a long run of {@code a}); RE2 syntax has no backreferences or lookaround.
 * Its length is bounded by {@code group.subscription.regex.max.length}.
 */
final class SubscriptionRegex {
    static final String MAX_LENGTH = "group.subscription.regex.max.length";

    private SubscriptionRegex() {
    }

    /**
     * @throws IllegalArgumentException naming the problem: longer than {@code maxLength}, or not a
     *                                  valid RE2 expression
     */
    static Pattern compile(String regex, int maxLength) {
        if (regex.length() > maxLength) {
            throw new IllegalArgumentException("subscription regex is " + regex.length() + " characters, over the limit of "
                + maxLength + " (" + MAX_LENGTH + ")");
        }
        try {
            return Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("subscription regex does not compile (RE2 syntax): " + e.getMessage());
        }
    }

    /**
     * A regex read back from {@code __consumer_offsets}: one stored by an older broker may not be RE2
     * syntax; it then matches no topic (the member's next heartbeat with a regex is refused naming
     * why) rather than failing the load of the whole group.
     */
    static Pattern compileStored(String regex) {
        try {
            return Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            return Pattern.compile("[^\\x00-\\x{10FFFF}]");
        }
    }
}
