package io.runnel.faultsuite.latency;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * One direction of a proxied TCP connection: what is read from {@code in} is written to
 * {@code out} no sooner than a delay after it was read, in the order it was read. Each chunk's
 * delay is drawn when it is read ({@code delayNanos}); a chunk is never written before the one
 * read ahead of it, so a short delay after a long one waits for it (the stream stays in order,
 * as TCP's would).
 *
 * <p>Two threads: a reader that stamps each chunk with its due time and queues it, and a writer
 * that waits for each chunk's due time and writes it. At the end of {@code in} the writer
 * delivers what is queued and then half-closes ({@code onEnd}); a failure on either side ends
 * the pipe ({@code onEnd} too) and whatever is still queued is dropped, as a reset would.
 *
 * <p>Thread-safety: started once; its threads own the streams.
 */
final class DelayedPipe {
    /** Largest chunk read at once. */
    static final int CHUNK_BYTES = 64 * 1024;
    private static final byte[] END = new byte[0];

    private record Chunk(byte[] bytes, long dueNanos) {
    }

    private final InputStream in;
    private final OutputStream out;
    private final LongSupplier delayNanos;
    private final Runnable onEnd;
    private final BlockingQueue<Chunk> queue = new LinkedBlockingQueue<>();
    private final Thread reader;
    private final Thread writer;

    /**
     * @param delayNanos the delay of the next chunk, drawn once per chunk (0 or more)
     * @param onEnd      runs once the writer is done: after the last byte of a clean end, or at a failure
     */
    DelayedPipe(String name, InputStream in, OutputStream out, LongSupplier delayNanos, Runnable onEnd) {
        this.in = in;
        this.out = out;
        this.delayNanos = delayNanos;
        this.onEnd = onEnd;
        this.reader = new Thread(this::read, name + "-read");
        this.writer = new Thread(this::write, name + "-write");
        reader.setDaemon(true);
        writer.setDaemon(true);
    }

    void start() {
        reader.start();
        writer.start();
    }

    private void read() {
        byte[] buffer = new byte[CHUNK_BYTES];
        long lastDue = Long.MIN_VALUE;
        try {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                long due = System.nanoTime() + Math.max(0, delayNanos.getAsLong());
                lastDue = lastDue == Long.MIN_VALUE ? due : Math.max(lastDue, due);
                queue.add(new Chunk(Arrays.copyOf(buffer, n), lastDue));
            }
        } catch (IOException e) {
            // the connection broke (or was closed by the other direction): deliver what was read, then end
        }
        queue.add(new Chunk(END, lastDue == Long.MIN_VALUE ? 0 : lastDue));
    }

    private void write() {
        try {
            while (true) {
                Chunk c = queue.take();
                if (c.bytes() == END) {
                    break;
                }
                long wait = c.dueNanos() - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait); // the delay this proxy exists to add
                }
                out.write(c.bytes());
                out.flush();
            }
        } catch (IOException e) {
            // the other side is gone: nothing more can be delivered
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            onEnd.run();
        }
    }
}
