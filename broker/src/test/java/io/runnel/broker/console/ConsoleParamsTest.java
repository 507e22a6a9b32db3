package io.runnel.broker.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Parameter parsing, time parsing and the POST guard: bad input is a ConsoleError naming the parameter. */
class ConsoleParamsTest {
    @Test
    void parse_decodesAndKeepsTheFirstValue() {
        Params p = Params.parse("topic=a%20b&partition=2&topic=other&flag&=x");
        assertEquals("a b", p.required("topic"));
        assertEquals(2, p.intIn("partition", 0, 0, 10));
        assertEquals("", p.values().get("flag"));
        assertEquals(Map.of(), Params.parse(null).values());
        assertEquals(7, Params.parse("").intIn("limit", 7, 1, 100));
    }

    @Test
    void badNumbers_missingAndUnknownChoices_are400sNamingTheParameter() {
        Params p = Params.parse("offset=abc&limit=500&format=xml&blank=%20");
        ConsoleError e = assertThrows(ConsoleError.class, () -> p.longIn("offset", 0, 0, Long.MAX_VALUE));
        assertEquals(400, e.status());
        assertEquals("parameter 'offset' must be a whole number, got 'abc'", e.getMessage());
        assertEquals("parameter 'limit' must be between 1 and 100, got 500",
            assertThrows(ConsoleError.class, () -> p.intIn("limit", 20, 1, 100)).getMessage());
        assertEquals("parameter 'format' must be one of text, json, hex, got 'xml'",
            assertThrows(ConsoleError.class, () -> p.oneOf("format", "text", "text", "json", "hex")).getMessage());
        assertEquals("parameter 'blank' is required", assertThrows(ConsoleError.class, () -> p.required("blank")).getMessage());
        assertEquals(400, assertThrows(ConsoleError.class, () -> Params.parse("a=%zz")).status());
    }

    @Test
    void parseTime_isoOrMillis() {
        assertEquals(Instant.parse("2026-12-03T12:00:00Z").toEpochMilli(), MessagesPage.parseTime("2026-12-03T12:00:00Z"));
        assertEquals(1234L, MessagesPage.parseTime("1234"));
        ConsoleError e = assertThrows(ConsoleError.class, () -> MessagesPage.parseTime("yesterday"));
        assertEquals(400, e.status());
    }

    @Test
    void guard_wantsTheTokenAndTheConsolesOwnOrigin() {
        RequestGuard guard = new RequestGuard(new SecureRandom());
        Params good = Params.parse("csrf=" + guard.token());
        guard.check(good, null, "127.0.0.1:8080", "http");
        guard.check(good, "http://127.0.0.1:8080", "127.0.0.1:8080", "http");
        guard.check(good, "https://127.0.0.1:8080", "127.0.0.1:8080", "https");
        assertEquals(403, assertThrows(ConsoleError.class,
            () -> guard.check(good, "http://127.0.0.1:8080", "127.0.0.1:8080", "https")).status(), "another scheme is another origin");
        assertEquals(403, assertThrows(ConsoleError.class,
            () -> guard.check(good, "http://evil.example", "127.0.0.1:8080", "http")).status());
        assertEquals(403, assertThrows(ConsoleError.class, () -> guard.check(good, "null", "127.0.0.1:8080", "http")).status());
        assertEquals(403, assertThrows(ConsoleError.class,
            () -> guard.check(Params.parse("csrf=wrong"), null, "127.0.0.1:8080", "http")).status());
        assertEquals(403, assertThrows(ConsoleError.class, () -> guard.check(Params.parse(""), null, "h", "http")).status());
    }

    @Test
    void bytes_humanReadable() {
        assertEquals("512 B", TopicPages.bytes(512));
        assertEquals("1.5 KiB", TopicPages.bytes(1536));
        assertEquals("3.0 MiB", TopicPages.bytes(3L << 20));
    }
}
