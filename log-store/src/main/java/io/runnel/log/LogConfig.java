package io.runnel.log;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Per-partition log settings, with Kafka's names and defaults where Kafka has them.
 *
 * @param segmentBytes       {@code segment.bytes}: roll when the active segment would exceed this
 * @param segmentMs          {@code segment.ms}: roll a non-empty segment this long after its first append
 * @param retentionMs        {@code retention.ms}: delete sealed segments whose newest record is older; -1 = forever
 * @param retentionBytes     {@code retention.bytes}: delete oldest sealed segments while the log is larger; -1 = no limit
 * @param indexIntervalBytes {@code index.interval.bytes}: bytes of batches between offset/time index entries
 * @param maxIndexBytes      {@code segment.index.bytes}: pre-allocated size of each index; a full index rolls the segment
 * @param flushPolicy        {@code flush.policy}: sync or async
 * @param flushIntervalMs    {@code flush.interval.ms}: async flusher period
 * @param flushIntervalBytes {@code flush.interval.bytes}: async flush once this many bytes are unflushed
 * @param fileDeleteDelayMs  {@code file.delete.delay.ms}: how long a removed segment's files stay readable
 * @param cleanupPolicy      {@code cleanup.policy}: delete (retention), compact (keep the newest record
 *                           per key), or compact,delete (both)
 * @param deleteRetentionMs  {@code delete.retention.ms}: how long compaction keeps a tombstone (a record
 *                           with a key and no value) so that readers replaying the log see the delete
 * @param maxDecompressedBatchBytes {@code decompression.max.batch.bytes}: the most one compressed batch
 *                           is expanded to when the log itself looks inside it (compaction, a
 *                           timestamp lookup), so a small "compression bomb" cannot exhaust the heap;
 *                           a larger batch is kept whole by compaction and answered by its first
 *                           offset by a timestamp lookup (default 16 MiB)
 */
public record LogConfig(
    int segmentBytes,
    long segmentMs,
    long retentionMs,
    long retentionBytes,
    int indexIntervalBytes,
    int maxIndexBytes,
    FlushPolicy flushPolicy,
    long flushIntervalMs,
    long flushIntervalBytes,
    long fileDeleteDelayMs,
    CleanupPolicy cleanupPolicy,
    long deleteRetentionMs,
    int maxDecompressedBatchBytes) {

    /** What happens to old records. */
    public enum CleanupPolicy {
        DELETE, COMPACT, COMPACT_DELETE;

        public boolean deletes() {
            return this != COMPACT;
        }

        public boolean compacts() {
            return this != DELETE;
        }

        /** @throws IllegalArgumentException naming the accepted values */
        public static CleanupPolicy forName(String text) {
            String t = text == null ? "" : text.trim().toLowerCase(java.util.Locale.ROOT).replace(" ", "");
            return switch (t) {
                case "delete" -> DELETE;
                case "compact" -> COMPACT;
                case "compact,delete", "delete,compact" -> COMPACT_DELETE;
                default -> throw new IllegalArgumentException("cleanup.policy must be delete, compact or compact,delete, got '"
                    + text + "'");
            };
        }

        public String label() {
            return this == COMPACT_DELETE ? "compact,delete" : name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public static final String SEGMENT_BYTES = "segment.bytes";
    public static final String SEGMENT_MS = "segment.ms";
    public static final String RETENTION_MS = "retention.ms";
    public static final String RETENTION_BYTES = "retention.bytes";
    public static final String INDEX_INTERVAL_BYTES = "index.interval.bytes";
    public static final String SEGMENT_INDEX_BYTES = "segment.index.bytes";
    public static final String FLUSH_POLICY = "flush.policy";
    public static final String FLUSH_INTERVAL_MS = "flush.interval.ms";
    public static final String FLUSH_INTERVAL_BYTES = "flush.interval.bytes";
    public static final String FILE_DELETE_DELAY_MS = "file.delete.delay.ms";
    public static final String CLEANUP_POLICY = "cleanup.policy";
    public static final String DELETE_RETENTION_MS = "delete.retention.ms";
    public static final String DECOMPRESSION_MAX_BATCH_BYTES = "decompression.max.batch.bytes";

    /** Every key {@link #fromMap} accepts. */
    public static final Set<String> KEYS = Set.of(SEGMENT_BYTES, SEGMENT_MS, RETENTION_MS, RETENTION_BYTES,
        INDEX_INTERVAL_BYTES, SEGMENT_INDEX_BYTES, FLUSH_POLICY, FLUSH_INTERVAL_MS, FLUSH_INTERVAL_BYTES,
        FILE_DELETE_DELAY_MS, CLEANUP_POLICY, DELETE_RETENTION_MS, DECOMPRESSION_MAX_BATCH_BYTES);

    private static final long WEEK_MS = 7L * 24 * 60 * 60 * 1000;

    /** @throws IllegalArgumentException naming the setting and its allowed range */
    public LogConfig {
        atLeast(SEGMENT_BYTES, segmentBytes, 1024);
        atLeast(SEGMENT_MS, segmentMs, 1);
        if (retentionMs < -1) {
            throw new IllegalArgumentException(RETENTION_MS + " must be -1 (forever) or >= 0, got " + retentionMs);
        }
        if (retentionBytes < -1) {
            throw new IllegalArgumentException(RETENTION_BYTES + " must be -1 (no limit) or >= 0, got " + retentionBytes);
        }
        atLeast(INDEX_INTERVAL_BYTES, indexIntervalBytes, 0);
        atLeast(SEGMENT_INDEX_BYTES, maxIndexBytes, 4 * TimeIndex.ENTRY_SIZE);
        if (flushPolicy == null) {
            throw new IllegalArgumentException(FLUSH_POLICY + " must be sync or async, got null");
        }
        atLeast(FLUSH_INTERVAL_MS, flushIntervalMs, 1);
        atLeast(FLUSH_INTERVAL_BYTES, flushIntervalBytes, 1);
        atLeast(FILE_DELETE_DELAY_MS, fileDeleteDelayMs, 0);
        if (cleanupPolicy == null) {
            throw new IllegalArgumentException(CLEANUP_POLICY + " must be delete, compact or compact,delete, got null");
        }
        atLeast(DELETE_RETENTION_MS, deleteRetentionMs, 0);
        atLeast(DECOMPRESSION_MAX_BATCH_BYTES, maxDecompressedBatchBytes, 1024);
    }

    /**
     * Kafka's defaults (1 GiB / 7-day segments, 7-day retention, delete policy, tombstones kept a
     * day), async flush every second or 64 MiB.
     */
    public static LogConfig defaults() {
        return new LogConfig(1 << 30, WEEK_MS, WEEK_MS, -1, 4096, 10 * 1024 * 1024, FlushPolicy.ASYNC,
            1000, 64L * 1024 * 1024, 60_000, CleanupPolicy.DELETE, 24L * 60 * 60 * 1000, 16 << 20);
    }

    /**
     * These settings with the keys of {@code overrides} replaced.
     *
     * @throws IllegalArgumentException for an unknown key or a value that does not parse or is out
     *                                  of range, naming the key
     */
    public LogConfig with(Map<String, String> overrides) {
        Map<String, String> all = new LinkedHashMap<>(toMap());
        for (Map.Entry<String, String> e : overrides.entrySet()) {
            if (!KEYS.contains(e.getKey())) {
                throw new IllegalArgumentException("Unknown log config '" + e.getKey() + "': known ones are " + KEYS);
            }
            all.put(e.getKey(), e.getValue());
        }
        return new LogConfig(
            (int) parse(all, SEGMENT_BYTES, Integer.MAX_VALUE),
            parse(all, SEGMENT_MS, Long.MAX_VALUE),
            parse(all, RETENTION_MS, Long.MAX_VALUE),
            parse(all, RETENTION_BYTES, Long.MAX_VALUE),
            (int) parse(all, INDEX_INTERVAL_BYTES, Integer.MAX_VALUE),
            (int) parse(all, SEGMENT_INDEX_BYTES, Integer.MAX_VALUE),
            FlushPolicy.forName(all.get(FLUSH_POLICY)),
            parse(all, FLUSH_INTERVAL_MS, Long.MAX_VALUE),
            parse(all, FLUSH_INTERVAL_BYTES, Long.MAX_VALUE),
            parse(all, FILE_DELETE_DELAY_MS, Long.MAX_VALUE),
            CleanupPolicy.forName(all.get(CLEANUP_POLICY)),
            parse(all, DELETE_RETENTION_MS, Long.MAX_VALUE),
            (int) parse(all, DECOMPRESSION_MAX_BATCH_BYTES, Integer.MAX_VALUE));
    }

    /** These settings as key/value strings, the inverse of {@link #with}. */
    public Map<String, String> toMap() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(SEGMENT_BYTES, Integer.toString(segmentBytes));
        m.put(SEGMENT_MS, Long.toString(segmentMs));
        m.put(RETENTION_MS, Long.toString(retentionMs));
        m.put(RETENTION_BYTES, Long.toString(retentionBytes));
        m.put(INDEX_INTERVAL_BYTES, Integer.toString(indexIntervalBytes));
        m.put(SEGMENT_INDEX_BYTES, Integer.toString(maxIndexBytes));
        m.put(FLUSH_POLICY, flushPolicy.name().toLowerCase(java.util.Locale.ROOT));
        m.put(FLUSH_INTERVAL_MS, Long.toString(flushIntervalMs));
        m.put(FLUSH_INTERVAL_BYTES, Long.toString(flushIntervalBytes));
        m.put(FILE_DELETE_DELAY_MS, Long.toString(fileDeleteDelayMs));
        m.put(CLEANUP_POLICY, cleanupPolicy.label());
        m.put(DELETE_RETENTION_MS, Long.toString(deleteRetentionMs));
        m.put(DECOMPRESSION_MAX_BATCH_BYTES, Integer.toString(maxDecompressedBatchBytes));
        return m;
    }

    private static long parse(Map<String, String> all, String key, long max) {
        String text = all.get(key);
        long value;
        try {
            value = Long.parseLong(text.trim());
        } catch (NumberFormatException | NullPointerException e) {
            throw new IllegalArgumentException(key + " must be an integer, got '" + text + "'");
        }
        if (value > max) {
            throw new IllegalArgumentException(key + " must be at most " + max + ", got " + value);
        }
        return value;
    }

    private static void atLeast(String key, long value, long min) {
        if (value < min) {
            throw new IllegalArgumentException(key + " must be at least " + min + ", got " + value);
        }
    }
}
