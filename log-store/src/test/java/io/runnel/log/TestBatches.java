package io.runnel.log;

import io.runnel.record.CompressionType;
import io.runnel.record.Record;
import io.runnel.record.RecordBatch;
import io.runnel.record.RecordBatchBuilder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Builds batches with recognisable contents and reads them back out of slices. */
final class TestBatches {
    private TestBatches() {
    }

    /** A producer batch of {@code count} records "v<first>".."v<first+count-1>", padded to {@code valueBytes}. */
    static ByteBuffer batch(int first, int count, long timestamp, int valueBytes) {
        RecordBatchBuilder builder = new RecordBatchBuilder(CompressionType.NONE);
        for (int i = 0; i < count; i++) {
            builder.append(timestamp, ("k" + (first + i)).getBytes(StandardCharsets.UTF_8), value(first + i, valueBytes));
        }
        return builder.build();
    }

    static ByteBuffer batch(int first, int count, long timestamp) {
        return batch(first, count, timestamp, 0);
    }

    static byte[] value(int n, int padTo) {
        byte[] label = ("v" + n).getBytes(StandardCharsets.UTF_8);
        byte[] value = new byte[Math.max(padTo, label.length)];
        System.arraycopy(label, 0, value, 0, label.length);
        return value;
    }

    /** The label ("v<n>") a value was built from. */
    static String label(byte[] value) {
        int end = 0;
        while (end < value.length && value[end] != 0) {
            end++;
        }
        return new String(value, 0, end, StandardCharsets.UTF_8);
    }

    /** Concatenates batches into one buffer, as a produce request carries them. */
    static ByteBuffer concat(ByteBuffer... batches) {
        int total = 0;
        for (ByteBuffer b : batches) {
            total += b.remaining();
        }
        ByteBuffer out = ByteBuffer.allocate(total);
        for (ByteBuffer b : batches) {
            out.put(b.duplicate());
        }
        return out.flip();
    }

    /** Every record in a buffer of whole batches, validating each batch. */
    static List<Record> records(ByteBuffer batches) {
        List<Record> out = new ArrayList<>();
        RecordBatch batch = new RecordBatch();
        for (int at = batches.position(); at < batches.limit(); ) {
            batch.wrap(batches, at, at);
            int size = RecordBatch.validateFraming(batches, at, batches.limit() - at, at);
            batch.validate();
            out.addAll(batch.records());
            at += size;
        }
        return out;
    }

    /** Every record the log holds from {@code from}, read in chunks of {@code maxBytes}. */
    static List<Record> readAll(Log log, long from, int maxBytes) {
        List<Record> out = new ArrayList<>();
        long next = from;
        while (next < log.logEndOffset()) {
            LogReadInfo info = log.read(next, maxBytes, Long.MAX_VALUE, true);
            if (info.records().size() == 0) {
                break;
            }
            for (Record r : records(info.records().toByteBuffer())) {
                if (r.offset() >= next) {
                    out.add(r);
                }
            }
            next = out.isEmpty() ? next : out.get(out.size() - 1).offset() + 1;
        }
        return out;
    }
}
