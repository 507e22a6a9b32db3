package io.runnel.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runnel.record.CompressionType;
import io.runnel.record.Record;
import io.runnel.record.RecordBatch;
import io.runnel.record.RecordBatchBuilder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Compaction on real segment files: newest value per key, offsets kept, tombstones, crash safety. */
class LogCleanerTest extends LogTestBase {
    private static final long DAY = 24L * 3600 * 1000;

    private static ByteBuffer keyed(CompressionType compression, long timestamp, String... keyValues) {
        RecordBatchBuilder b = new RecordBatchBuilder(compression);
        for (int i = 0; i < keyValues.length; i += 2) {
            String value = keyValues[i + 1];
            b.append(timestamp, keyValues[i] == null ? null : keyValues[i].getBytes(StandardCharsets.UTF_8),
                value == null ? null : value.getBytes(StandardCharsets.UTF_8));
        }
        return b.build();
    }

    /** Every record from the start, advancing by whole batches as consumers do (gaps allowed). */
    static List<Record> readAll(Log log) {
        List<Record> out = new ArrayList<>();
        long next = log.logStartOffset();
        while (next < log.logEndOffset()) {
            ByteBuffer chunk = log.read(next, 1 << 20, Long.MAX_VALUE, true).records().toByteBuffer();
            if (!chunk.hasRemaining()) {
                break;
            }
            RecordBatch batch = new RecordBatch();
            for (int at = 0; at < chunk.limit(); at += batch.sizeInBytes()) {
                batch.wrap(chunk, at, at);
                batch.validate();
                for (Record r : batch.records()) {
                    if (r.offset() >= next) {
                        out.add(r);
                    }
                }
                next = Math.max(next, batch.nextOffset());
            }
        }
        return out;
    }

    private static Map<String, String> newest(List<Record> records) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Record r : records) {
            String key = r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
            out.put(key, r.value() == null ? null : new String(r.value(), StandardCharsets.UTF_8));
        }
        return out;
    }

    private Log fill(LogConfig config, CompressionType compression) {
        Log log = open(config);
        long ts = clock.millis();
        for (int round = 0; round < 30; round++) {
            // 10 keys overwritten every round, one batch per round; segments roll every few rounds.
            List<String> kv = new ArrayList<>();
            for (int k = 0; k < 10; k++) {
                kv.add("key-" + k);
                kv.add("round-" + round + "-" + java.util.UUID.nameUUIDFromBytes(("v" + round + k).getBytes(StandardCharsets.UTF_8))
                    + java.util.UUID.nameUUIDFromBytes(("w" + round + k).getBytes(StandardCharsets.UTF_8)));
            }
            log.appendAsLeader(keyed(compression, ts, kv.toArray(String[]::new)), 1);
        }
        return log;
    }

    @ParameterizedTest
    @EnumSource(value = CompressionType.class, names = {"NONE", "ZSTD"})
    void compaction_keepsTheNewestValuePerKey_withOffsetsUnchanged(CompressionType compression) {
        Log log = fill(smallConfig(Map.of(LogConfig.CLEANUP_POLICY, "compact")), compression);
        assertTrue(log.numberOfSegments() > 3, "several segments: " + log.numberOfSegments());
        List<Record> before = readAll(log);
        Map<String, String> expected = newest(before);
        long end = log.logEndOffset();
        long sizeBefore = log.sizeInBytes();

        LogCleaner.Result result = log.compact(log.logEndOffset());
        assertTrue(result.segmentsRewritten() > 0);
        assertTrue(result.recordsRemoved() > 0);
        assertTrue(log.sizeInBytes() < sizeBefore, log.sizeInBytes() + " < " + sizeBefore);
        assertEquals(end, log.logEndOffset());

        List<Record> after = readAll(log);
        assertEquals(expected, newest(after), "a replay gives the same final state");
        for (Record r : after) {
            Record original = before.stream().filter(o -> o.offset() == r.offset()).findFirst().orElseThrow();
            assertEquals(new String(original.value(), StandardCharsets.UTF_8), new String(r.value(), StandardCharsets.UTF_8),
                "offset " + r.offset() + " still holds its own record");
        }
        assertEquals(0, log.compact(log.logEndOffset()).recordsRemoved(), "a second pass finds nothing to do");
        assertEquals(after.size(), readAll(log).size());

        // Reopened from disk, the compacted files are what the log holds.
        log.close();
        Log reopened = open(smallConfig(Map.of(LogConfig.CLEANUP_POLICY, "compact")));
        assertEquals(end, reopened.logEndOffset());
        assertEquals(expected, newest(readAll(reopened)));
    }

    @Test
    void tombstones_stayForDeleteRetention_thenGo() {
        LogConfig config = smallConfig(Map.of(LogConfig.CLEANUP_POLICY, "compact", LogConfig.DELETE_RETENTION_MS,
            Long.toString(DAY)));
        Log log = fill(config, CompressionType.NONE);
        log.appendAsLeader(keyed(CompressionType.NONE, clock.millis(), "key-3", null, null, "no-key"), 1);
        log.roll();
        log.appendAsLeader(keyed(CompressionType.NONE, clock.millis(), "key-4", "after"), 1);
        log.compact(log.logEndOffset());
        Map<String, String> state = newest(readAll(log));
        assertTrue(state.containsKey("key-3"), "the tombstone is still there for replaying readers");
        assertEquals(null, state.get("key-3"));
        assertEquals("no-key", state.get(null), "records without a key are kept");

        clock.advance(DAY + 1);
        log.compact(log.logEndOffset());
        state = newest(readAll(log));
        assertFalse(state.containsKey("key-3"), "the tombstone is gone after delete.retention.ms");
        assertEquals("after", state.get("key-4"));
        assertEquals(10 - 1 + 1, state.size(), "9 live keys and the keyless record");
    }

    @Test
    void deletePolicy_doesNotCompact_andCompactPolicy_isNotRetained() {
        Log plain = fill(smallConfig(Map.of()), CompressionType.NONE);
        assertEquals(0, plain.compact(plain.logEndOffset()).segmentsRewritten());
        assertThrows(IllegalArgumentException.class, () -> smallConfig(Map.of(LogConfig.CLEANUP_POLICY, "shred")));
        assertEquals(LogConfig.CleanupPolicy.COMPACT_DELETE,
            smallConfig(Map.of(LogConfig.CLEANUP_POLICY, "compact,delete")).cleanupPolicy());
    }

    @Test
    void crashDuringTheSwap_isFinishedAtOpen_andAnUnfinishedCleaningIsDiscarded() throws Exception {
        LogConfig config = smallConfig(Map.of(LogConfig.CLEANUP_POLICY, "compact"));
        Log log = fill(config, CompressionType.NONE);
        Map<String, String> expected = newest(readAll(log));
        long end = log.logEndOffset();
        log.compact(log.logEndOffset());
        List<Record> compacted = readAll(log);
        log.close();

        // Pretend the swap of the first segment stopped half way: the cleaned copy sits complete in
        // its staging directory and the original is gone (renamed .deleted, then removed at open).
        Path dir = dir();
        String first = LogFiles.filenamePrefix(0);
        Path staging = dir.resolve(LogCleaner.CLEANED_DIR_PREFIX + first);
        Files.createDirectories(staging);
        for (String suffix : List.of(LogFiles.LOG_SUFFIX, LogFiles.INDEX_SUFFIX, LogFiles.TIME_INDEX_SUFFIX)) {
            Files.move(dir.resolve(first + suffix), staging.resolve(first + suffix));
        }
        Files.write(staging.resolve("complete"), new byte[0]);
        // And an unfinished cleaning of another segment, with garbage in it.
        Path unfinished = dir.resolve(LogCleaner.CLEANED_DIR_PREFIX + LogFiles.filenamePrefix(999));
        Files.createDirectories(unfinished);
        Files.write(unfinished.resolve(LogFiles.filenamePrefix(999) + LogFiles.LOG_SUFFIX), new byte[] {1, 2, 3});

        Log reopened = open(config);
        assertEquals(end, reopened.logEndOffset());
        assertEquals(compacted.size(), readAll(reopened).size());
        assertEquals(expected, newest(readAll(reopened)));
        try (Stream<Path> left = Files.list(dir)) {
            assertTrue(left.noneMatch(p -> p.getFileName().toString().startsWith(LogCleaner.CLEANED_DIR_PREFIX)));
        }
    }

    @Test
    void rebuiltBatch_keepsItsOffsetRangeAndProducer() {
        RecordBatchBuilder b = new RecordBatchBuilder(CompressionType.NONE).baseOffset(100).producer(7, (short) 1, 40);
        b.appendWithOffset(101, 5, "a".getBytes(), "1".getBytes(), List.of());
        b.appendWithOffset(104, 6, "b".getBytes(), "2".getBytes(), List.of());
        RecordBatch batch = RecordBatch.of(b.lastOffsetDelta(6).build());
        batch.validate();
        assertEquals(106, batch.lastOffset());
        assertEquals(46, batch.lastSequence());
        assertEquals(List.of(101L, 104L), batch.records().stream().map(Record::offset).toList());
        assertThrows(IllegalArgumentException.class, () -> new RecordBatchBuilder(CompressionType.NONE).baseOffset(10)
            .appendWithOffset(9, 0, null, null, List.of()));
    }

    @Test
    void recordsAtOrAboveTheHighWatermark_doNotSupersedeOlderOnes() {
        Log log = fill(smallConfig(Map.of(LogConfig.CLEANUP_POLICY, "compact")), CompressionType.NONE);
        long committedEnd = log.logEndOffset();
        Map<String, String> committed = newest(readAll(log));
        log.roll();
        // Newer values for every key, not yet replicated: they could still be truncated away.
        List<String> kv = new ArrayList<>();
        for (int k = 0; k < 10; k++) {
            kv.add("key-" + k);
            kv.add("uncommitted");
        }
        log.appendAsLeader(keyed(CompressionType.NONE, clock.millis(), kv.toArray(String[]::new)), 1);
        log.roll();
        log.compact(committedEnd);
        log.truncateTo(committedEnd); // the uncommitted tail goes, as after a leader change
        assertEquals(committed, newest(readAll(log)), "every key still has its newest committed value");
    }

    @Test
    void compactionWhileAppending_losesNoKeysNewestValue() throws Exception {
        Log log = open(smallConfig(Map.of(LogConfig.CLEANUP_POLICY, "compact")));
        Map<String, String> expected = new java.util.concurrent.ConcurrentHashMap<>();
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicInteger passes = new java.util.concurrent.atomic.AtomicInteger();
        Thread cleaner = new Thread(() -> {
            while (!done.get()) {
                if (log.compact(log.logEndOffset()).segmentsRewritten() > 0) {
                    passes.incrementAndGet();
                }
            }
        });
        cleaner.start();
        for (int round = 0; round < 300; round++) {
            String key = "key-" + (round % 25);
            String value = "v" + round + "-" + java.util.UUID.nameUUIDFromBytes(("r" + round).getBytes(StandardCharsets.UTF_8));
            log.appendAsLeader(keyed(CompressionType.NONE, clock.millis(), key, value), 1);
            expected.put(key, value);
        }
        done.set(true);
        cleaner.join(30_000);
        log.compact(log.logEndOffset());
        assertTrue(passes.get() > 0, "the cleaner ran while appends went on");
        assertEquals(new java.util.TreeMap<>(expected), new java.util.TreeMap<>(newest(readAll(log))));
    }
}
