package io.runnel.record;

import java.nio.ByteBuffer;

/**
 * Where a {@link RecordBatchBuilder} takes the buffer it encodes records into, and gives back the
 * ones it no longer uses (outgrown, or released with the batch). A producer pools them so that a
 * steady stream of batches reuses the same arrays instead of allocating, zeroing and garbage
 * collecting one per batch; {@link #HEAP} allocates a fresh one each time and drops the given.
 */
public interface BatchBuffers {
    /**
     * A heap buffer over a whole array of its own (array offset 0) with capacity at least
     * {@code minCapacity}, position 0 and limit at its capacity. Its contents are unspecified:
     * the builder writes every byte of the batch it exposes.
     */
    ByteBuffer take(int minCapacity);

    /** {@code buffer}, taken from here, is no longer used by anyone; it may be handed out again. */
    void give(ByteBuffer buffer);

    BatchBuffers HEAP = new BatchBuffers() {
        @Override
        public ByteBuffer take(int minCapacity) {
            return ByteBuffer.allocate(minCapacity);
        }

        @Override
        public void give(ByteBuffer buffer) {
        }
    };
}
