package io.runnel.broker.console;

import java.util.Optional;

/**
 * Checks that a string is one JSON value (RFC 8259) and indents it by two spaces per level.
 * Strings are copied as written (escapes kept), so nothing in a value changes but whitespace.
 * One instance reads one string; use {@link #indent}.
 */
final class JsonIndent {
    private static final int MAX_DEPTH = 64;
    private final String in;
    private final StringBuilder out = new StringBuilder();
    private int at;

    private JsonIndent(String in) {
        this.in = in;
    }

    /** The indented value, or empty if {@code text} is not exactly one JSON value. */
    static Optional<String> indent(String text) {
        JsonIndent p = new JsonIndent(text);
        try {
            p.value(0);
            p.skipSpace();
            return p.at == text.length() ? Optional.of(p.out.toString()) : Optional.empty();
        } catch (IllegalStateException | StringIndexOutOfBoundsException e) {
            return Optional.empty();
        }
    }

    private void value(int depth) {
        if (depth > MAX_DEPTH) {
            throw new IllegalStateException("too deep");
        }
        skipSpace();
        char c = in.charAt(at);
        switch (c) {
            case '{' -> container(depth, '}', true);
            case '[' -> container(depth, ']', false);
            case '"' -> string();
            default -> literal();
        }
    }

    private void container(int depth, char close, boolean object) {
        out.append(in.charAt(at++));
        skipSpace();
        if (in.charAt(at) == close) {
            out.append(in.charAt(at++));
            return;
        }
        while (true) {
            newline(depth + 1);
            if (object) {
                skipSpace();
                if (in.charAt(at) != '"') {
                    throw new IllegalStateException("key expected");
                }
                string();
                skipSpace();
                if (in.charAt(at++) != ':') {
                    throw new IllegalStateException("colon expected");
                }
                out.append(": ");
            }
            value(depth + 1);
            skipSpace();
            char next = in.charAt(at++);
            if (next == close) {
                newline(depth);
                out.append(close);
                return;
            }
            if (next != ',') {
                throw new IllegalStateException("comma expected");
            }
            out.append(',');
        }
    }

    private void string() {
        int start = at++;
        while (in.charAt(at) != '"') {
            char c = in.charAt(at);
            if (c < 0x20) {
                throw new IllegalStateException("control character in string");
            }
            at += c == '\\' ? 2 : 1;
        }
        at++;
        out.append(in, start, at);
    }

    private void literal() {
        int start = at;
        while (at < in.length() && "{}[],: \t\r\n\"".indexOf(in.charAt(at)) < 0) {
            at++;
        }
        String word = in.substring(start, at);
        if (!word.equals("true") && !word.equals("false") && !word.equals("null")
            && !word.matches("-?(0|[1-9]\\d*)(\\.\\d+)?([eE][+-]?\\d+)?")) {
            throw new IllegalStateException("not a JSON literal: " + word);
        }
        out.append(word);
    }

    private void newline(int depth) {
        out.append('\n').append("  ".repeat(depth));
    }

    private void skipSpace() {
        while (at < in.length() && " \t\r\n".indexOf(in.charAt(at)) >= 0) {
            at++;
        }
    }
}
