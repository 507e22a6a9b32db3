package io.runnel.faultsuite.history;

import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongFunction;

/**
 * The events of one run, in the order they were recorded, kept in memory for the checker and
 * written as JSON lines (one {@link Event#toJson()} a line) for a person to read afterwards.
 * Every thread of the workload records here; the clock is the run's (milliseconds since it began).
 */
public final class History implements Closeable {
    private final long startNanos = System.nanoTime();
    private final List<Event> events = new ArrayList<>();
    private final BufferedWriter out;

    public History(Path file) {
        try {
            this.out = Files.newBufferedWriter(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the history to " + file, e);
        }
    }

    /** Milliseconds since the run began. */
    public long now() {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    /** Records the event made with the current time. */
    public <E extends Event> E record(LongFunction<E> event) {
        synchronized (events) {
            E e = event.apply(now());
            events.add(e);
            try {
                out.write(e.toJson());
                out.newLine();
            } catch (IOException ex) {
                throw new UncheckedIOException("cannot write the history", ex);
            }
            return e;
        }
    }

    /** A copy of every event so far. */
    public List<Event> events() {
        synchronized (events) {
            return List.copyOf(events);
        }
    }

    @Override
    public void close() {
        synchronized (events) {
            try {
                out.close();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot close the history", e);
            }
        }
    }
}
