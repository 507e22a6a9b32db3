package io.runnel.broker.console;

import java.nio.charset.StandardCharsets;
import java.net.URLEncoder;
import java.util.List;

/**
 * HTML building blocks. Every piece of text that reaches a page goes through {@link #escape} (or
 * {@link #url} inside an address); the helpers here escape what they are given as text and take
 * markup only where the parameter says so.
 */
final class Html {
    private static final String STYLE = "body{font-family:sans-serif;margin:0;color:#222}"
        + "nav{background:#234;padding:.5em 1em}nav a{color:#fff;margin-right:1.2em;text-decoration:none}"
        + "main{padding:1em}table{border-collapse:collapse;margin:.5em 0 1em}"
        + "td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}"
        + "th{background:#eee}.bad{color:#b00;font-weight:bold}.ok{color:#070}.error{background:#fee;padding:1em}"
        + "pre{margin:0;white-space:pre-wrap;word-break:break-all;max-width:60em}form{margin:.5em 0}"
        + "svg{background:#fafafa;border:1px solid #ddd;margin:0 1em 1em 0}";

    private Html() {
    }

    /** {@code text} safe inside an element or a quoted attribute. */
    static String escape(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    /** {@code text} as one query-parameter value or path segment. */
    static String url(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** A link; {@code href} is built by the caller from {@link #url} pieces, {@code text} is escaped. */
    static String link(String href, String text) {
        return "<a href=\"" + escape(href) + "\">" + escape(text) + "</a>";
    }

    /** The whole document: navigation, a heading and {@code bodyHtml} (markup, already escaped). */
    static String page(String title, String bodyHtml) {
        return "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + escape(title)
            + " · Runnel console</title><style>" + STYLE + "</style></head><body><nav>"
            + "<a href=\"/\">Overview</a><a href=\"/topics\">Topics</a><a href=\"/groups\">Consumer groups</a>"
            + "<a href=\"/charts\">Charts</a></nav><main><h1>" + escape(title) + "</h1>" + bodyHtml + "</main></body></html>";
    }

    /** A table; header cells are escaped text, row cells are markup (escape text with {@link #escape}). */
    static String table(List<String> headers, List<List<String>> rowsHtml) {
        StringBuilder out = new StringBuilder("<table><tr>");
        headers.forEach(h -> out.append("<th>").append(escape(h)).append("</th>"));
        out.append("</tr>");
        for (List<String> row : rowsHtml) {
            out.append("<tr>");
            row.forEach(cell -> out.append("<td>").append(cell).append("</td>"));
            out.append("</tr>");
        }
        return out.append("</table>").toString();
    }

    /** A hidden form field (name and value escaped). */
    static String hidden(String name, String value) {
        return "<input type=\"hidden\" name=\"" + escape(name) + "\" value=\"" + escape(value) + "\">";
    }

    /** The error page's body: the message as text, never a stack trace. */
    static String errorPage(int status, String message) {
        return page("Error " + status, "<p class=\"error\" id=\"error\">" + escape(message) + "</p>");
    }
}
