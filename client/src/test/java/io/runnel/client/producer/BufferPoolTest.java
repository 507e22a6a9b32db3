package io.runnel.client.producer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class BufferPoolTest {

    @Test
    void sizeClasses_arePowersOfTwoFromOneKiB() {
        assertEquals(0, BufferPool.sizeClass(0));
        assertEquals(0, BufferPool.sizeClass(1024));
        assertEquals(1, BufferPool.sizeClass(1025));
        assertEquals(6, BufferPool.sizeClass(64 * 1024));
        assertEquals(7, BufferPool.sizeClass(64 * 1024 + 1));
        assertEquals(10, BufferPool.sizeClass(1 << 20));
    }

    @Test
    void aGivenBuffer_isTakenAgainForItsSizeClass_cleared() {
        BufferPool pool = new BufferPool(1 << 20);
        ByteBuffer first = pool.take(60_000);
        assertEquals(64 * 1024, first.capacity());
        first.position(500).limit(700);
        pool.give(first);
        assertEquals(64 * 1024, pool.freeBytes());

        ByteBuffer again = pool.take(40_000);
        assertSame(first, again);
        assertEquals(0, again.position());
        assertEquals(again.capacity(), again.limit());
        assertEquals(0, pool.freeBytes());
        assertNotSame(again, pool.take(40_000), "a buffer is handed out once");
    }

    @Test
    void freeBuffers_stayWithinTheLimit() {
        BufferPool pool = new BufferPool(100 * 1024);
        pool.give(pool.take(64 * 1024));
        pool.give(pool.take(64 * 1024)); // would make 128 KiB free: left to the GC
        assertEquals(64 * 1024, pool.freeBytes());
    }

    @Test
    void buffersNotOfAPowerOfTwo_orViews_areNotKept() {
        BufferPool pool = new BufferPool(1 << 20);
        pool.give(ByteBuffer.allocate(3000));
        pool.give(ByteBuffer.allocate(8192).position(100).slice()); // a view at offset 100
        pool.give(ByteBuffer.allocateDirect(8192));
        assertEquals(0, pool.freeBytes());
    }
}
