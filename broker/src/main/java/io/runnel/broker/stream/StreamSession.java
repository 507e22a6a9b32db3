package io.runnel.broker.stream;

/** An open Publish or Subscribe stream, as the service sees it to end it at shutdown. */
interface StreamSession {
    /** Ends the stream with UNAVAILABLE (the broker is stopping): the client reconnects elsewhere. */
    void shutdown();
}
