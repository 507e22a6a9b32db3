package io.runnel.log;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.runnel.record.CompressionType;
import io.runnel.record.Record;
import io.runnel.record.RecordBatchBuilder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Issue 14 item 5's compression bomb, where the log itself looks inside batches: compaction and a
 * timestamp lookup (ListOffsets) expand a compressed batch no further than
 * {@code decompression.max.batch.bytes} (it used to be a fixed 256 MiB per batch). Past it they
 * degrade without losing anything: compaction keeps the batch whole, the lookup answers its first offset.
 */
class DecompressionCapTest extends LogTestBase {
    private static final LogConfig CONFIG = smallConfig(Map.of(LogConfig.CLEANUP_POLICY, "compact",
        LogConfig.SEGMENT_BYTES, "1048576", LogConfig.DECOMPRESSION_MAX_BATCH_BYTES, "4096"));

    private static ByteBuffer batch(CompressionType compression, long timestamp, int valueBytes, String... keyValues) {
        RecordBatchBuilder b = new RecordBatchBuilder(compression);
        for (int i = 0; i < keyValues.length; i += 2) {
            byte[] label = keyValues[i + 1].getBytes(StandardCharsets.UTF_8);
            byte[] value = new byte[Math.max(valueBytes, label.length)];
            System.arraycopy(label, 0, value, 0, label.length);
            b.append(timestamp + i, keyValues[i].getBytes(StandardCharsets.UTF_8), value);
        }
        return b.build();
    }

    /** 16 KiB of zeros in two records: a few hundred bytes compressed, past the 4 KiB cap expanded. */
    private static ByteBuffer bomb(long timestamp, String... keyValues) {
        return batch(CompressionType.ZSTD, timestamp, 8192, keyValues);
    }

    private static List<String> keysAndValues(Log log) {
        List<String> out = new ArrayList<>();
        for (Record r : LogCleanerTest.readAll(log)) {
            int end = 0;
            while (end < r.value().length && r.value()[end] != 0) {
                end++;
            }
            out.add(r.offset() + ":" + new String(r.key(), StandardCharsets.UTF_8) + "=" + new String(r.value(), 0, end,
                StandardCharsets.UTF_8));
        }
        return out;
    }

    @Test
    void compaction_keepsABatchPastTheCapWhole_andRemovesOnlyRecordsANewerReadableOneReplaces() {
        Log log = open(CONFIG);
        log.appendAsLeader(batch(CompressionType.NONE, 1000, 0, "k1", "old", "k2", "old"), 1);
        log.roll();
        log.appendAsLeader(bomb(2000, "k1", "big", "k3", "big"), 1);
        log.roll();
        log.appendAsLeader(batch(CompressionType.NONE, 3000, 0, "k2", "new"), 1);
        log.roll();
        log.appendAsLeader(batch(CompressionType.NONE, 4000, 0, "k9", "tail"), 1);

        LogCleaner.Result result = log.compact(log.logEndOffset());

        assertEquals(1, result.recordsRemoved(), "only k2=old, which k2=new replaces");
        // k1=old stays: its newer record is inside the batch compaction may not expand.
        assertEquals(List.of("0:k1=old", "2:k1=big", "3:k3=big", "4:k2=new", "5:k9=tail"), keysAndValues(log));
    }

    @Test
    void aTimestampLookupInsideABatchPastTheCap_answersTheBatchesFirstOffset() {
        Log log = open(CONFIG);
        log.appendAsLeader(batch(CompressionType.NONE, 1000, 0, "k0", "a"), 1);
        log.appendAsLeader(bomb(2000, "k1", "b", "k2", "c"), 1); // offsets 1 and 2, timestamps 2000 and 2002
        assertEquals(Optional.of(new TimestampOffset(2002, 1)), log.offsetForTimestamp(2001),
            "the batch's first offset: a reader starting there misses nothing at or after 2001");
        assertEquals(Optional.of(new TimestampOffset(1000, 0)), log.offsetForTimestamp(1000));
    }
}
