package io.runnel.client.producer;

import io.runnel.record.BatchBuffers;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * The producer's batch buffers, reused: a buffer is taken in a power-of-two size (at least
 * {@link #MIN_CAPACITY}) and given back when its batch is answered or outgrown, and the next batch
 * of that size class gets it again. Without it every batch allocated a fresh array (zeroed by the
 * JVM) and young collections copied the batches still waiting for their answer, a tenth of a
 * busy producer's CPU (the role of Kafka's {@code BufferPool}).
 *
 * <p>Free buffers are kept up to {@code maxFreeBytes} in all; one given back beyond that is left to
 * the garbage collector. Thread-safety: safe from any thread (buffers are taken under the
 * accumulator's lock and given back on transport threads).
 */
final class BufferPool implements BatchBuffers {
    static final int MIN_CAPACITY = 1024;
    /** Size classes 2^10 .. 2^30. */
    private static final int CLASSES = 21;

    private final long maxFreeBytes;
    /** Guarded by this: free buffers per size class, by log2(capacity) - 10. */
    private final ArrayDeque<ByteBuffer>[] free;
    /** Guarded by this. */
    private long freeBytes;

    @SuppressWarnings("unchecked")
    BufferPool(long maxFreeBytes) {
        if (maxFreeBytes < 0) {
            throw new IllegalArgumentException("maxFreeBytes must be >= 0, got " + maxFreeBytes);
        }
        this.maxFreeBytes = maxFreeBytes;
        this.free = new ArrayDeque[CLASSES];
        for (int i = 0; i < CLASSES; i++) {
            free[i] = new ArrayDeque<>();
        }
    }

    @Override
    public ByteBuffer take(int minCapacity) {
        if (minCapacity < 0) {
            throw new IllegalArgumentException("capacity must be >= 0, got " + minCapacity);
        }
        int sizeClass = sizeClass(minCapacity);
        if (sizeClass >= CLASSES) {
            return ByteBuffer.allocate(minCapacity); // above 1 GiB: never pooled
        }
        synchronized (this) {
            ByteBuffer b = free[sizeClass].pollLast();
            if (b != null) {
                freeBytes -= b.capacity();
                return b.clear();
            }
        }
        return ByteBuffer.allocate(MIN_CAPACITY << sizeClass);
    }

    @Override
    public void give(ByteBuffer buffer) {
        int capacity = buffer.capacity();
        if (!buffer.hasArray() || buffer.arrayOffset() != 0 || Integer.bitCount(capacity) != 1 || capacity < MIN_CAPACITY) {
            return; // not one of ours
        }
        int sizeClass = sizeClass(capacity);
        synchronized (this) {
            if (sizeClass < CLASSES && freeBytes + capacity <= maxFreeBytes) {
                free[sizeClass].addLast(buffer);
                freeBytes += capacity;
            }
        }
    }

    /** Bytes of the buffers kept free now. */
    synchronized long freeBytes() {
        return freeBytes;
    }

    /** log2 of the smallest power of two >= max(capacity, MIN_CAPACITY), minus log2(MIN_CAPACITY). */
    static int sizeClass(int capacity) {
        int c = Math.max(capacity, MIN_CAPACITY);
        return (32 - Integer.numberOfLeadingZeros(c - 1)) - 10;
    }
}
