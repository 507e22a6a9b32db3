package io.runnel.record;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** {@link RecordBatchBuilder} with buffers from a {@link BatchBuffers}: reused buffers, given back when done. */
class RecordBatchBuilderTest {

    /** Hands out buffers full of garbage (as a reused buffer is) and records what comes back. */
    private static final class DirtyBuffers implements BatchBuffers {
        final List<ByteBuffer> taken = new ArrayList<>();
        final List<ByteBuffer> given = new ArrayList<>();

        @Override
        public ByteBuffer take(int minCapacity) {
            byte[] garbage = new byte[minCapacity];
            Arrays.fill(garbage, (byte) 0xAB);
            ByteBuffer b = ByteBuffer.wrap(garbage);
            taken.add(b);
            return b;
        }

        @Override
        public void give(ByteBuffer buffer) {
            given.add(buffer);
        }
    }

    private static byte[] bytes(ByteBuffer batch) {
        byte[] out = new byte[batch.remaining()];
        batch.duplicate().get(out);
        return out;
    }

    private static ByteBuffer build(RecordBatchBuilder builder, byte[] value, int records) {
        builder.producer(9, (short) 2, 40);
        for (int i = 0; i < records; i++) {
            builder.append(1_000 + i, ("k" + i).getBytes(StandardCharsets.UTF_8), value,
                List.of(new Header("h", new byte[] {(byte) i})));
        }
        return builder.build();
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void aBatchBuiltInReusedBuffers_isByteForByteTheOneBuiltInFreshOnes(CompressionType codec) {
        byte[] value = new byte[700];
        new Random(11).nextBytes(value);
        byte[] fresh = bytes(build(new RecordBatchBuilder(codec, 100), value, 20));
        DirtyBuffers dirty = new DirtyBuffers();
        ByteBuffer reused = build(new RecordBatchBuilder(codec, 100, dirty), value, 20);

        assertArrayEquals(fresh, bytes(reused));
        RecordBatch.of(reused).validate();
        assertEquals(20, RecordBatch.of(reused).records().size());
        assertTrue(dirty.taken.size() > 1, "20 records of 700 bytes outgrow a 100-byte estimate");
    }

    @Test
    void anOutgrownBuffer_goesBack_andTheBuiltOneOnlyOnRelease() {
        DirtyBuffers buffers = new DirtyBuffers();
        RecordBatchBuilder builder = new RecordBatchBuilder(CompressionType.NONE, 100, buffers);
        ByteBuffer batch = build(builder, new byte[500], 10);

        assertEquals(buffers.taken.subList(0, buffers.taken.size() - 1), buffers.given, "every outgrown buffer, once");
        ByteBuffer last = buffers.taken.get(buffers.taken.size() - 1);
        assertSame(last.array(), batch.array(), "an uncompressed batch is built in place");

        builder.release();
        builder.release();
        assertEquals(buffers.taken, buffers.given, "the built batch's buffer goes back once, on release");
    }

    @Test
    void aCompressedBatch_givesItsRecordsBufferBackWhenBuilt() {
        DirtyBuffers buffers = new DirtyBuffers();
        RecordBatchBuilder builder = new RecordBatchBuilder(CompressionType.LZ4, 1 << 16, buffers);
        ByteBuffer batch = build(builder, new byte[500], 10);

        assertEquals(buffers.taken, buffers.given, "the records are in the compressed array now");
        builder.release();
        assertEquals(buffers.taken.size(), buffers.given.size(), "nothing more to give back");
        RecordBatch.of(batch).validate();
    }

    @Test
    void release_beforeBuild_isRefused() {
        RecordBatchBuilder builder = new RecordBatchBuilder(CompressionType.NONE, 100, new DirtyBuffers());
        builder.append(1, null, new byte[1]);
        assertThrows(IllegalStateException.class, builder::release);
    }

    @Test
    void theSizeForBatchingDecisions_staysAfterBuild() {
        RecordBatchBuilder builder = new RecordBatchBuilder(CompressionType.GZIP, 1 << 16, new DirtyBuffers());
        builder.append(1, null, new byte[5000]);
        int before = builder.uncompressedSizeInBytes();
        builder.build();
        assertEquals(before, builder.uncompressedSizeInBytes());
    }
}
