package io.runnel.client.cli;

import io.runnel.client.common.Bootstrap;
import java.io.PrintWriter;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntSupplier;
import picocli.CommandLine;

/**
 * The deadline of one {@code runnel} command ({@code --timeout-ms}, issue 16 item 8): the command
 * runs on a worker thread, and if it has not ended when the deadline passes, it is interrupted
 * and the command ends with a message naming what it waited for and a non-zero exit (Kafka's
 * tools end at {@code default.api.timeout.ms} the same way).
 *
 * <p>What it waited for is the phase the command last announced ({@link #waitingFor}), and the
 * failure the interrupted command was retrying, if it reports one within {@value #UNWIND_MS} ms:
 * the admin client rethrows its last retried failure when interrupted (no broker answering at the
 * bootstrap addresses, no active controller, an advertised address that does not resolve, ...).
 * A command whose long wait is its job (consume following a topic, produce reading stdin: each
 * record has its own delivery deadline) calls {@link #stopWatching} once it is set up.
 *
 * <p>Thread-safety: the command's thread announces phases; the caller's thread watches.
 */
final class CommandDeadline {
    /** The deadline when {@code --timeout-ms} is not given (Kafka's tools: 60 s; their requests: 30 s). */
    static final long DEFAULT_TIMEOUT_MS = 30_000;
    /** How long an interrupted command may take to stop and report the failure it was retrying. */
    static final long UNWIND_MS = 2_000;

    private final long timeoutMs;
    private volatile String waitingFor;
    private volatile boolean watching = true;

    /**
     * @param timeoutMs  at least 1
     * @param waitingFor what the command waits for until it says otherwise
     */
    CommandDeadline(long timeoutMs, String waitingFor) {
        if (timeoutMs < 1) {
            throw new IllegalArgumentException("--timeout-ms must be at least 1, got " + timeoutMs);
        }
        this.timeoutMs = timeoutMs;
        this.waitingFor = waitingFor;
    }

    long timeoutMs() {
        return timeoutMs;
    }

    /** The command now waits for {@code what} (e.g. "a coordinator for group g"). */
    void waitingFor(String what) {
        waitingFor = what;
    }

    /** The command is set up; what it does from now on ends by its own bounds, not this deadline. */
    void stopWatching() {
        watching = false;
    }

    /**
     * Runs {@code command} (which returns an exit code) within the deadline, on a thread of its own.
     *
     * @return the command's exit code; past the deadline 3 if the failure it was retrying was no
     *     broker answering, else 1, after printing to {@code err} what it waited for
     * @throws RuntimeException what the command threw, if it ended in time
     */
    int run(IntSupplier command, PrintWriter err) throws InterruptedException {
        AtomicReference<Object> outcome = new AtomicReference<>();
        Thread worker = new Thread(() -> {
            try {
                outcome.set(command.getAsInt());
            } catch (RuntimeException | Error e) {
                outcome.set(e);
            }
        }, "runnel-command");
        worker.setDaemon(true);
        worker.start();
        worker.join(timeoutMs);
        while (worker.isAlive() && !watching) {
            worker.join(); // the command's own bounds end it
        }
        if (!worker.isAlive()) {
            if (outcome.get() instanceof RuntimeException e) {
                throw e;
            }
            if (outcome.get() instanceof Error e) {
                throw e;
            }
            return (Integer) outcome.get();
        }
        worker.interrupt();
        worker.join(UNWIND_MS);
        Throwable last = outcome.get() instanceof Throwable t ? unwrap(t) : null;
        String named = last == null || interruption(last) ? "" : "; last: " + last.getMessage();
        err.println("runnel: gave up after " + timeoutMs + " ms (--timeout-ms) waiting for " + waitingFor + named);
        return last instanceof Bootstrap.ClusterUnreachableException ? 3 : 1;
    }

    /** The command's own failure inside picocli's and a future's wrappers. */
    private static Throwable unwrap(Throwable t) {
        Throwable e = t;
        while ((e instanceof CommandLine.ExecutionException || e instanceof CompletionException) && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }

    /** The failure is the interrupt itself (a call cancelled by it), which names nothing waited for. */
    private static boolean interruption(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof InterruptedException) {
                return true;
            }
        }
        return false;
    }
}
