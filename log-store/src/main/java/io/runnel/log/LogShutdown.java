package io.runnel.log;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The ways a {@link Log} ends: a clean close that leaves the marker letting the next open skip
 * recovery, abandoning a failed directory without writing to it, and deleting the log outright.
 *
 * <p>Thread-safety: each method takes the log's lock; abandoning also takes the flush lock so a
 * background flush in flight cannot write after it returns.
 */
final class LogShutdown {
    private final Log target;

    LogShutdown(Log target) {
        this.target = target;
    }

    /** See {@link Log#close}. */
    void close() {
        Log t = target;
        t.lock.lock();
        try {
            if (t.closed) {
                return;
            }
            if (t.failed()) {
                // Torn bytes or unsynced data may be on disk: no marker, so the next open recovers.
                closeHandlers();
                return;
            }
            t.flusher.stop();
            t.flush();
            t.closed = true;
            t.flusher.close();
            t.segments.lastEntry().getValue().onBecomeInactive();
            for (LogSegment segment : t.segments.values()) {
                segment.close();
            }
            t.deleter.deleteAllNow();
            Files.createFile(t.dir().resolve(LogFiles.CLEAN_SHUTDOWN_FILE));
            CheckpointFile.fsyncDirectory(t.dir());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot mark " + t.dir() + " as cleanly shut down", e);
        } finally {
            t.lock.unlock();
        }
    }

    /** See {@link Log#closeHandlers}. */
    void closeHandlers() {
        Log t = target;
        t.lock.lock();
        try {
            // A background flush in flight must not write after we return.
            t.flusher.exclusive(() -> {
                if (t.closed) {
                    return;
                }
                t.closed = true;
                t.flusher.close();
                for (LogSegment segment : t.segments.values()) {
                    segment.close();
                }
                t.deleter.closeAll();
            });
        } finally {
            t.lock.unlock();
        }
    }

    /** See {@link Log#delete}. */
    void delete() {
        close();
        Path dir = target.dir();
        try (var files = Files.list(dir)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Files.deleteIfExists(file);
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot delete log directory " + dir, e);
        }
    }
}
