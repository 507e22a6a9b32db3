package io.runnel.broker.console;

/**
 * A request the console cannot answer, with the HTTP status and a message for the error page:
 * bad input (400), an unknown topic or group (404), a cluster that did not answer (502).
 */
final class ConsoleError extends RuntimeException {
    private final int status;

    ConsoleError(int status, String message) {
        super(message);
        this.status = status;
    }

    static ConsoleError badRequest(String message) {
        return new ConsoleError(400, message);
    }

    static ConsoleError notFound(String message) {
        return new ConsoleError(404, message);
    }

    static ConsoleError unavailable(String message) {
        return new ConsoleError(502, message);
    }

    int status() {
        return status;
    }
}
