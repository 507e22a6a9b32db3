package io.runnel.broker.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Escaping and value rendering of the console's pages, without a browser or a cluster. */
class ConsoleHtmlTest {
    @Test
    void escape_neutralisesEveryMarkupCharacter() {
        assertEquals("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;",
            Html.escape("<script>alert(\"x\")</script> & 'q'"));
        assertEquals("", Html.escape(null));
    }

    @Test
    void tableAndLinks_escapeTheirText() {
        String table = Html.table(List.of("<h>"), List.of(List.of(Html.escape("<td>"))));
        assertTrue(table.contains("<th>&lt;h&gt;</th>"), table);
        assertTrue(table.contains("<td>&lt;td&gt;</td>"), table);
        String link = Html.link("/topic?name=" + Html.url("a&b \"c\""), "<x>");
        assertEquals("<a href=\"/topic?name=a%26b%20%22c%22\">&lt;x&gt;</a>", link);
    }

    @Test
    void errorPage_showsTheMessageAsText() {
        String page = Html.errorPage(404, "topic '<img src=x>' does not exist");
        assertTrue(page.contains("topic &#39;&lt;img src=x&gt;&#39; does not exist"), page);
        assertFalse(page.contains("<img"));
    }

    @Test
    void valueFormats_text_json_hex_andTheirFallbacks() {
        byte[] json = "{\"a\":[1,2],\"b\":\"<i>\"}".getBytes(StandardCharsets.UTF_8);
        assertEquals("<pre>{&quot;a&quot;:[1,2],&quot;b&quot;:&quot;&lt;i&gt;&quot;}</pre>", ValueFormat.TEXT.render(json));
        assertEquals("<pre>{\n  &quot;a&quot;: [\n    1,\n    2\n  ],\n  &quot;b&quot;: &quot;&lt;i&gt;&quot;\n}</pre>",
            ValueFormat.JSON.render(json));
        assertEquals("<pre>7b 7d</pre>", ValueFormat.HEX.render("{}".getBytes(StandardCharsets.UTF_8)));
        assertEquals("<i>null</i>", ValueFormat.TEXT.render(null));
        byte[] notUtf8 = {(byte) 0xff, 0x3c};
        assertEquals("<pre><i>(not UTF-8, shown as hex)</i> ff 3c</pre>", ValueFormat.TEXT.render(notUtf8));
        assertEquals("<pre><i>(not JSON, shown as text)</i> &lt;b&gt;</pre>",
            ValueFormat.JSON.render("<b>".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void jsonIndent_acceptsOnlyOneWellFormedValue() {
        assertEquals(Optional.of("[]"), JsonIndent.indent(" [ ] "));
        assertEquals(Optional.of("\"a\\\"b\""), JsonIndent.indent("\"a\\\"b\""));
        assertEquals(Optional.of("-1.5e3"), JsonIndent.indent("-1.5e3"));
        for (String bad : List.of("", "{", "[1,]", "{\"a\" 1}", "{1:2}", "tru", "1 2", "\"open", "[01]", "{\"a\":1}}")) {
            assertEquals(Optional.empty(), JsonIndent.indent(bad), bad);
        }
        assertEquals(Optional.empty(), JsonIndent.indent("[".repeat(100) + "]".repeat(100)), "nesting is bounded");
    }
}
