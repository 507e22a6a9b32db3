package io.runnel.metadata.controller;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.CompletionHandler;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Evidence that a broker's process is gone: a TCP connection to its listener is refused. A killed
 * process's listening sockets are closed by its kernel at once, so the host answers a connection
 * attempt with a reset; a live broker's kernel accepts it even while the JVM is busy (a full accept
 * backlog drops the SYN, it never resets), and a paused, cut-off or unreachable host does not answer
 * in time. So only "refused" counts as evidence; anything else (connected, timed out, no route)
 * counts as none, and the broker keeps its session.
 *
 * <p>Thread-safety: implementations are safe from any thread and never block the caller.
 */
@FunctionalInterface
public interface ListenerProbe {
    /**
     * Tries to connect to {@code host:port}.
     *
     * @return completes with true if the connection was refused, false otherwise (connected, timed
     *         out, any other failure); never completes exceptionally
     */
    CompletableFuture<Boolean> refused(String host, int port);

    /** A probe that gives no evidence ever: fencing waits for sessions and closed heartbeat connections only. */
    ListenerProbe NONE = (host, port) -> CompletableFuture.completedFuture(false);

    /** A real TCP connect that is given up (no evidence) after {@code timeoutMs}. */
    static ListenerProbe tcp(long timeoutMs) {
        if (timeoutMs < 1) {
            throw new IllegalArgumentException("probe timeout must be >= 1 ms, got " + timeoutMs);
        }
        return (host, port) -> {
            CompletableFuture<Boolean> result = new CompletableFuture<>();
            // Resolving a host name may block: never on the caller's thread (the controller's scheduler).
            CompletableFuture.runAsync(() -> connect(host, port, result));
            return result.completeOnTimeout(false, timeoutMs, TimeUnit.MILLISECONDS);
        };
    }

    private static void connect(String host, int port, CompletableFuture<Boolean> result) {
        AsynchronousSocketChannel channel;
        try {
            channel = AsynchronousSocketChannel.open();
        } catch (IOException e) {
            result.complete(false);
            return;
        }
        result.whenComplete((r, e) -> {
            try {
                channel.close();
            } catch (IOException ignored) {
                // closing a probe socket: nothing to do
            }
        });
        try {
            InetSocketAddress address = new InetSocketAddress(host, port);
            if (address.isUnresolved()) {
                result.complete(false); // no evidence of anything
                return;
            }
            channel.connect(address, null, new CompletionHandler<Void, Void>() {
                @Override
                public void completed(Void v, Void attachment) {
                    result.complete(false);
                }

                @Override
                public void failed(Throwable e, Void attachment) {
                    result.complete(e instanceof ConnectException && String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT)
                        .contains("refused"));
                }
            });
        } catch (RuntimeException e) {
            result.complete(false); // a bad port, a closed channel: no evidence
        }
    }
}
