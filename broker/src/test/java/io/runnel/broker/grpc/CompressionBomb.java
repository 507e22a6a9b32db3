package io.runnel.broker.grpc;

import static io.runnel.record.RecordBatchLayout.*;

import com.github.luben.zstd.ZstdOutputStream;
import io.runnel.record.CompressionType;
import io.runnel.record.RecordBatch;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;

/**
 * A real zstd "bomb": one batch holding one record whose value is {@code zeros} zero bytes, the
 * records block compressed as it is written, so the test never holds the expanded bytes (200 MiB
 * of zeros compress to a few KiB). The batch is valid in every way a broker checks on produce.
 */
final class CompressionBomb {
    private CompressionBomb() {
    }

    static ByteBuffer zstd(int zeros) throws IOException {
        ByteArrayOutputStream compressed = new ByteArrayOutputStream();
        try (OutputStream out = new ZstdOutputStream(compressed, 3)) {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            head.write(0); // attributes
            head.write(0); // timestamp delta 0
            head.write(0); // offset delta 0
            writeVarint(head, -1); // no key
            writeVarint(head, zeros); // value length
            int bodyLength = head.size() + zeros + 1; // + header count
            writeVarint(out, bodyLength);
            out.write(head.toByteArray());
            byte[] chunk = new byte[1 << 20];
            for (int left = zeros; left > 0; left -= chunk.length) {
                out.write(chunk, 0, Math.min(left, chunk.length));
            }
            writeVarint(out, 0); // no headers
        }
        byte[] block = compressed.toByteArray();
        long now = System.currentTimeMillis();
        ByteBuffer batch = ByteBuffer.allocate(HEADER_SIZE + block.length);
        batch.putLong(BASE_OFFSET_OFFSET, 0).putInt(LENGTH_OFFSET, HEADER_SIZE + block.length - LOG_OVERHEAD)
            .putInt(PARTITION_LEADER_EPOCH_OFFSET, NO_PARTITION_LEADER_EPOCH).put(MAGIC_OFFSET, MAGIC)
            .putShort(ATTRIBUTES_OFFSET, (short) CompressionType.ZSTD.id()).putInt(LAST_OFFSET_DELTA_OFFSET, 0)
            .putLong(BASE_TIMESTAMP_OFFSET, now).putLong(MAX_TIMESTAMP_OFFSET, now)
            .putLong(PRODUCER_ID_OFFSET, NO_PRODUCER_ID).putShort(PRODUCER_EPOCH_OFFSET, NO_PRODUCER_EPOCH)
            .putInt(BASE_SEQUENCE_OFFSET, NO_SEQUENCE).putInt(RECORDS_COUNT_OFFSET, 1);
        batch.put(HEADER_SIZE, block);
        batch.putInt(CRC_OFFSET, (int) RecordBatch.of(batch).computeCrc());
        return batch;
    }

    /** Zig-zag varint, as the record format writes lengths. */
    private static void writeVarint(OutputStream out, int value) throws IOException {
        int v = (value << 1) ^ (value >> 31);
        while ((v & ~0x7f) != 0) {
            out.write((v & 0x7f) | 0x80);
            v >>>= 7;
        }
        out.write(v);
    }
}
