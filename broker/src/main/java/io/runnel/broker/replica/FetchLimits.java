package io.runnel.broker.replica;

/**
 * What one Fetch or ReplicaFetch may cost this broker, whatever the request asks for. A request's
 * own limits only ever lower these.
 *
 * @param maxBytes             {@code fetch.max.bytes}: the most record bytes in one consumer Fetch
 *                             answer (a request's {@code max_bytes} of 0 means this)
 * @param replicaMaxBytes      {@code replica.fetch.response.max.bytes}: the same for a follower's ReplicaFetch
 * @param maxWaitMs            {@code fetch.max.wait.ms.limit}: the longest a fetch is parked waiting
 *                             for data, whatever its {@code max_wait_ms}
 * @param maxParked            {@code fetch.purgatory.max.size}: fetches parked at once on this broker;
 *                             past it a fetch is answered at once with what there is
 * @param maxConvertedBatchBytes {@code fetch.records.as.messages.max.batch.bytes}: the most one batch
 *                             may expand to when decompressed for {@code records_as_messages}
 */
public record FetchLimits(int maxBytes, int replicaMaxBytes, long maxWaitMs, int maxParked, int maxConvertedBatchBytes) {
    public static final String MAX_BYTES = "fetch.max.bytes";
    public static final String REPLICA_MAX_BYTES = "replica.fetch.response.max.bytes";
    public static final String MAX_WAIT_MS = "fetch.max.wait.ms.limit";
    public static final String MAX_PARKED = "fetch.purgatory.max.size";
    public static final String MAX_CONVERTED_BATCH_BYTES = "fetch.records.as.messages.max.batch.bytes";

    /**
     * The gRPC message size clients must accept (the project's clients do; stock gRPC's default is
     * 4 MiB). A response holds at most {@code maxBytes} of records, or one batch if the first batch
     * alone is larger (a batch came in a Produce, itself at most this size), plus framing, so
     * {@code maxBytes} stays below it with 1 MiB to spare for the framing.
     */
    public static final int CLIENT_MESSAGE_LIMIT = 64 << 20;
    /** The largest {@link #maxBytes} and {@link #replicaMaxBytes} allowed. */
    public static final int MAX_RESPONSE_BYTES = CLIENT_MESSAGE_LIMIT - (1 << 20);

    /** Kafka's consumer fetch.max.bytes and replica.fetch.response.max.bytes defaults. */
    public static final FetchLimits DEFAULTS = new FetchLimits(50 << 20, 10 << 20, 30_000, 10_000, 16 << 20);

    /** @throws IllegalArgumentException naming the setting that is out of range */
    public FetchLimits {
        requireIn(MAX_BYTES, maxBytes, 1024, MAX_RESPONSE_BYTES);
        requireIn(REPLICA_MAX_BYTES, replicaMaxBytes, 1024, MAX_RESPONSE_BYTES);
        requireIn(MAX_WAIT_MS, maxWaitMs, 1, Integer.MAX_VALUE);
        requireIn(MAX_PARKED, maxParked, 1, 10_000_000);
        requireIn(MAX_CONVERTED_BATCH_BYTES, maxConvertedBatchBytes, 1024, Integer.MAX_VALUE);
        if (maxConvertedBatchBytes > maxBytes) {
            // One converted batch is answered whole: it must fit in a response.
            throw new IllegalArgumentException(MAX_CONVERTED_BATCH_BYTES + " (" + maxConvertedBatchBytes
                + ") must be at most " + MAX_BYTES + " (" + maxBytes + ")");
        }
    }

    private static void requireIn(String key, long value, long min, long max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(key + " must be between " + min + " and " + max + ", got " + value);
        }
    }
}
