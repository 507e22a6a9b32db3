package io.runnel.broker.console;

/**
 * What a handler answers.
 *
 * @param status      HTTP status
 * @param contentType the body's type
 * @param body        the body (UTF-8)
 * @param location    where a 303 redirect points, else null
 */
record Reply(int status, String contentType, String body, String location) {
    static Reply html(String body) {
        return new Reply(200, "text/html; charset=utf-8", body, null);
    }

    static Reply json(String body) {
        return new Reply(200, "application/json", body, null);
    }

    /** After a POST: the browser loads {@code location} with a GET (so a reload does not repeat the POST). */
    static Reply seeOther(String location) {
        return new Reply(303, "text/plain; charset=utf-8", "", location);
    }

    static Reply error(ConsoleError e) {
        return new Reply(e.status(), "text/html; charset=utf-8", Html.errorPage(e.status(), e.getMessage()), null);
    }
}
