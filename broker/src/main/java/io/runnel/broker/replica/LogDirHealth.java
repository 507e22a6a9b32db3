package io.runnel.broker.replica;

import io.runnel.broker.partition.TopicPartition;
import java.io.IOError;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the broker's log directory is online: Kafka's offline log directory handling for a broker
 * with one directory. The first I/O error on any log in it (a full disk mid-append, a failing
 * device, a failed fsync) takes the whole directory offline, for good until the broker restarts:
 * every replica on it answers {@link KafkaStorageException} (KAFKA_STORAGE_ERROR), the logs are
 * closed without the clean-shutdown marker so the restart recovers them (a torn tail cut), and the
 * listeners tell the controller, which fences the broker and moves its leaderships away.
 *
 * <p>Thread-safety: safe from any thread; the listeners run once, on the thread that failed first.
 */
public final class LogDirHealth {
    private static final Logger log = LoggerFactory.getLogger(LogDirHealth.class);

    private final Path dir;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    /** Why the directory went offline; null while online. */
    private volatile String offlineReason;

    public LogDirHealth(Path dir) {
        this.dir = dir;
    }

    public boolean offline() {
        return offlineReason != null;
    }

    /** Runs {@code listener} once when the directory goes offline (at once if it already is). */
    public void onOffline(Runnable listener) {
        listeners.add(listener);
        if (offline()) {
            listener.run();
        }
    }

    /** Throws {@link KafkaStorageException} for {@code tp} if the directory is offline. */
    public void check(TopicPartition tp) {
        String reason = offlineReason;
        if (reason != null) {
            throw new KafkaStorageException(tp, reason);
        }
    }

    /**
     * Whether {@code error} is an I/O error of the storage under a log (an {@link IOException}
     * anywhere in its causes, or the JVM's {@link IOError} or the InternalError of a mapped access
     * that hit a bus error), as opposed to a refused request or a bug. A closed channel is not:
     * it is this broker's own doing (a segment deleted or a log closed under a read), not the disk's.
     */
    public static boolean isStorageError(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof ClosedChannelException) {
                return false;
            }
        }
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof UncheckedIOException || t instanceof IOException || t instanceof IOError
                || t instanceof InternalError) {
                return true;
            }
        }
        return false;
    }

    /**
     * Takes the directory offline if {@code error} is a storage error ({@link #isStorageError}),
     * and returns what to answer for {@code tp}: a {@link KafkaStorageException} then, else
     * {@code error} itself.
     */
    public RuntimeException onError(TopicPartition tp, RuntimeException error) {
        if (!isStorageError(error)) {
            return error;
        }
        fail(tp + ": " + describe(error), error);
        return new KafkaStorageException(tp, offlineReason);
    }

    /** The error's message and its root cause's (where the device's "No space left on device" is). */
    private static String describe(Throwable error) {
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == error || root.getMessage() == null ? String.valueOf(error.getMessage())
            : error.getMessage() + " (" + root.getMessage() + ")";
    }

    /** Takes the directory offline (once), naming why. */
    public void fail(String reason, Throwable cause) {
        synchronized (this) {
            if (offlineReason != null) {
                return;
            }
            offlineReason = reason;
        }
        log.error("Log directory {} is offline after an I/O error ({}): its replicas answer KAFKA_STORAGE_ERROR, "
            + "leadership moves away, and a restart recovers it", dir, reason, cause);
        for (Runnable listener : listeners) {
            try {
                listener.run();
            } catch (RuntimeException e) {
                log.error("Taking log directory {} offline: a listener failed", dir, e);
            }
        }
    }
}
