package io.runnel.broker.console;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;

/**
 * How the message browser shows a key, value or header: as text (UTF-8), as indented JSON, or as
 * hex. Bytes that are not what was asked for fall back to hex (not UTF-8) or text (not JSON) with
 * a note, never to garbage. Every result is escaped HTML.
 */
enum ValueFormat {
    TEXT, JSON, HEX;

    static ValueFormat of(String name) {
        return valueOf(name.toUpperCase(Locale.ROOT));
    }

    /** {@code bytes} rendered this way as escaped HTML; null (an absent key or value) as <i>null</i>. */
    String render(byte[] bytes) {
        if (bytes == null) {
            return "<i>null</i>";
        }
        if (this == HEX) {
            return "<pre>" + hex(bytes) + "</pre>";
        }
        Optional<String> text = utf8(bytes);
        if (text.isEmpty()) {
            return "<pre><i>(not UTF-8, shown as hex)</i> " + hex(bytes) + "</pre>";
        }
        if (this == JSON) {
            Optional<String> json = JsonIndent.indent(text.get());
            if (json.isPresent()) {
                return "<pre>" + Html.escape(json.get()) + "</pre>";
            }
            return "<pre><i>(not JSON, shown as text)</i> " + Html.escape(text.get()) + "</pre>";
        }
        return "<pre>" + Html.escape(text.get()) + "</pre>";
    }

    static String hex(byte[] bytes) {
        return HexFormat.ofDelimiter(" ").formatHex(bytes);
    }

    /** The bytes as a string if they are well-formed UTF-8. */
    static Optional<String> utf8(byte[] bytes) {
        try {
            return Optional.of(StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString());
        } catch (CharacterCodingException e) {
            return Optional.empty();
        }
    }
}
