package io.runnel.log;

import static io.runnel.log.TestBatches.records;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runnel.record.CompressionType;
import io.runnel.record.Record;
import io.runnel.record.RecordBatchBuilder;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Thousands of random appends, rolls, truncations, retention passes, flushes, clean reopens and
 * crashes against a list of batches kept in memory; after every step the log and the model must
 * agree on the bounds, and random reads and time lookups must return what the model holds.
 */
class LogRandomizedTest extends LogTestBase {

    /** What the model remembers of one appended batch. */
    private record ModelBatch(long baseOffset, List<String> values, long timestamp) {
        long nextOffset() {
            return baseOffset + values.size();
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4})
    void randomOperationsAgreeWithModel(long seed) {
        Random random = new Random(seed);
        LogConfig config = smallConfig(Map.of(
            LogConfig.SEGMENT_BYTES, Integer.toString(1024 + random.nextInt(4096)),
            LogConfig.RETENTION_BYTES, Integer.toString(8192 + random.nextInt(16384)),
            LogConfig.INDEX_INTERVAL_BYTES, Integer.toString(random.nextInt(512)),
            LogConfig.FLUSH_POLICY, random.nextBoolean() ? "sync" : "async"));
        Log log = Log.open(dir(), config, clock, scheduler);
        List<ModelBatch> model = new ArrayList<>();
        long logStart = 0;
        int counter = 0;
        try {
            for (int step = 0; step < 1500; step++) {
                int op = random.nextInt(100);
                if (op < 70) {
                    int count = 1 + random.nextInt(5);
                    long ts = clock.millis() + random.nextInt(1000);
                    RecordBatchBuilder builder = new RecordBatchBuilder(CompressionType.values()[random.nextInt(5)]);
                    List<String> values = new ArrayList<>();
                    for (int i = 0; i < count; i++) {
                        String value = "r" + (counter++) + "-" + "x".repeat(random.nextInt(200));
                        values.add(value);
                        builder.append(ts, null, value.getBytes());
                    }
                    long end = model.isEmpty() ? logStart : model.get(model.size() - 1).nextOffset();
                    LogAppendInfo info = log.appendAsLeader(builder.build(), 1 + step / 300);
                    assertEquals(end, info.firstOffset());
                    model.add(new ModelBatch(end, values, ts));
                    clock.advance(random.nextInt(50));
                } else if (op < 75) {
                    log.roll();
                } else if (op < 80 && !model.isEmpty()) {
                    // Truncate to a random batch boundary, as a diverging follower would.
                    int keep = random.nextInt(model.size() + 1);
                    long to = keep == model.size() ? model.get(keep - 1).nextOffset() : model.get(keep).baseOffset();
                    if (to > logStart) {
                        log.truncateTo(to);
                        model.subList(keep, model.size()).clear();
                    }
                } else if (op < 85) {
                    log.deleteOldSegments();
                    assertTrue(log.logStartOffset() >= logStart);
                    logStart = log.logStartOffset();
                    long start = logStart;
                    model.removeIf(b -> b.nextOffset() <= start);
                    if (!model.isEmpty()) {
                        assertEquals(logStart, model.get(0).baseOffset(), "retention must cut at a batch boundary");
                    }
                } else if (op < 90) {
                    log.flush();
                } else if (op < 95) {
                    log.close();
                    log = Log.open(dir(), config, clock, scheduler);
                    assertTrue(log.recoveryReport().cleanShutdown());
                } else {
                    log.closeHandlers(); // a process crash: the page cache keeps every written byte
                    log = Log.open(dir(), config, clock, scheduler);
                    assertEquals(0, log.recoveryReport().bytesTruncated(), log.recoveryReport().toString());
                }
                check(log, model, logStart, random);
            }
        } finally {
            log.close();
        }
    }

    private static void check(Log log, List<ModelBatch> model, long logStart, Random random) {
        long end = model.isEmpty() ? log.logStartOffset() : model.get(model.size() - 1).nextOffset();
        assertEquals(logStart, log.logStartOffset());
        assertEquals(end, log.logEndOffset());
        if (model.isEmpty()) {
            return;
        }
        ModelBatch from = model.get(random.nextInt(model.size()));
        int maxBytes = 1 + random.nextInt(3000);
        ByteBuffer read = log.read(from.baseOffset(), maxBytes, Long.MAX_VALUE, true).records().toByteBuffer();
        List<Record> got = records(read);
        int index = model.indexOf(from);
        int r = 0;
        for (int b = index; b < model.size() && r < got.size(); b++) {
            ModelBatch expected = model.get(b);
            for (int i = 0; i < expected.values().size(); i++, r++) {
                assertEquals(expected.baseOffset() + i, got.get(r).offset());
                assertEquals(expected.values().get(i), new String(got.get(r).value()));
            }
        }
        assertEquals(r, got.size(), "reads return whole batches only");
        assertTrue(got.size() >= from.values().size(), "at least one batch");

        long target = from.timestamp();
        Optional<TimestampOffset> found = log.offsetForTimestamp(target);
        ModelBatch firstAtOrAfter = model.stream().filter(b -> b.timestamp() >= target).findFirst().orElseThrow();
        assertEquals(Optional.of(new TimestampOffset(firstAtOrAfter.timestamp(), firstAtOrAfter.baseOffset())), found);
    }
}
