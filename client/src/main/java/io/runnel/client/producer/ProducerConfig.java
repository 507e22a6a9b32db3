package io.runnel.client.producer;

import io.runnel.record.CompressionType;

/**
 * Producer settings, with Kafka's names and defaults where Kafka has them.
 *
 * @param acks              -1 (all), 0 or 1
 * @param batchSize         bytes of records per partition batch before it is sent
 * @param lingerMs          how long a batch that is not full waits for more records
 * @param bufferMemory      bytes of unsent records before {@code send} blocks (back-pressure)
 * @param deliveryTimeoutMs how long a record may take to be acknowledged, retries included
 * @param retryBackoffMs    pause before retrying a retriable failure
 * @param requestTimeoutMs  deadline of one produce request
 * @param idempotence       number every batch per partition under a producer id, so the leader writes a retried
 *                          batch once ({@code enable.idempotence}, on by default; needs acks=all)
 * @param maxRequestSize    largest batch sent ({@code max.request.size}, 1 MiB): a partition's batch is sent
 *                          at {@code batchSize}, but while {@code maxInFlight} batches of its partition are in flight
 *                          the next one keeps taking records up to this and the topic's max.message.bytes, so a
 *                          busy partition's batches grow with the round trip instead of queueing
 * @param maxInFlight       batches of one partition sent before the first is answered
 *                          ({@code max.in.flight.requests.per.connection}, Kafka's name and default of 5; at most 5
 *                          with idempotence, as the leader remembers a producer's last 5 batches per partition to
 *                          answer retries). With idempotence a retry keeps the partition's order: after a failed
 *                          attempt the partition sends nothing new until its batches in flight are answered, then
 *                          resends from the oldest unanswered one. Without idempotence a retry may reorder or
 *                          duplicate records (as Kafka's); 1 sends one batch per partition at a time
 */
public record ProducerConfig(String bootstrapServers, int acks, CompressionType compression, int batchSize, long lingerMs,
                             long bufferMemory, long deliveryTimeoutMs, long retryBackoffMs, long requestTimeoutMs,
                             boolean idempotence, int maxRequestSize, int maxInFlight) {
    /** Most batches in flight per partition with idempotence: the leader remembers a producer's last 5 batches. */
    public static final int MAX_IN_FLIGHT_WITH_IDEMPOTENCE = 5;

    /** @throws IllegalArgumentException naming the bad setting */
    public ProducerConfig {
        if (acks < -1 || acks > 1) {
            throw new IllegalArgumentException("acks must be all (-1), 0 or 1, got " + acks);
        }
        if (batchSize < 1 || lingerMs < 0 || bufferMemory < batchSize || deliveryTimeoutMs < 1 || retryBackoffMs < 0
            || requestTimeoutMs < 1) {
            throw new IllegalArgumentException("need batch.size >= 1, linger.ms >= 0, buffer.memory >= batch.size, "
                + "delivery.timeout.ms >= 1, retry.backoff.ms >= 0, request.timeout.ms >= 1");
        }
        if (maxRequestSize < batchSize) {
            throw new IllegalArgumentException("max.request.size must be >= batch.size (" + batchSize + "), got " + maxRequestSize);
        }
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("max.in.flight.requests.per.connection must be >= 1, got " + maxInFlight);
        }
        if (idempotence && maxInFlight > MAX_IN_FLIGHT_WITH_IDEMPOTENCE) {
            throw new IllegalArgumentException("enable.idempotence needs max.in.flight.requests.per.connection <= "
                + MAX_IN_FLIGHT_WITH_IDEMPOTENCE + " (the leader remembers a producer's last " + MAX_IN_FLIGHT_WITH_IDEMPOTENCE
                + " batches per partition), got " + maxInFlight);
        }
        if (idempotence && acks != -1) {
            throw new IllegalArgumentException("enable.idempotence needs acks=all, got acks=" + acks
                + " (turn idempotence off to use it)");
        }
    }

    public static ProducerConfig defaults(String bootstrapServers) {
        return new ProducerConfig(bootstrapServers, -1, CompressionType.NONE, 16_384, 5, 32L << 20, 120_000, 100, 30_000, true, 1 << 20, MAX_IN_FLIGHT_WITH_IDEMPOTENCE);
    }

    /** acks other than all turn idempotence off, as it needs acks=all. */
    public ProducerConfig withAcks(int value) {
        return new ProducerConfig(bootstrapServers, value, compression, batchSize, lingerMs, bufferMemory, deliveryTimeoutMs,
            retryBackoffMs, requestTimeoutMs, idempotence && value == -1, maxRequestSize, maxInFlight);
    }

    public ProducerConfig withIdempotence(boolean value) {
        return new ProducerConfig(bootstrapServers, acks, compression, batchSize, lingerMs, bufferMemory, deliveryTimeoutMs,
            retryBackoffMs, requestTimeoutMs, value, maxRequestSize, maxInFlight);
    }

    public ProducerConfig withRequestTimeoutMs(long value) {
        return new ProducerConfig(bootstrapServers, acks, compression, batchSize, lingerMs, bufferMemory, deliveryTimeoutMs,
            retryBackoffMs, value, idempotence, maxRequestSize, maxInFlight);
    }

    public ProducerConfig withCompression(CompressionType value) {
        return new ProducerConfig(bootstrapServers, acks, value, batchSize, lingerMs, bufferMemory, deliveryTimeoutMs,
            retryBackoffMs, requestTimeoutMs, idempotence, maxRequestSize, maxInFlight);
    }

    /** Also raises max.request.size and buffer.memory to {@code size} if they are below it. */
    public ProducerConfig withBatching(int size, long linger) {
        return new ProducerConfig(bootstrapServers, acks, compression, size, linger, Math.max(bufferMemory, size), deliveryTimeoutMs,
            retryBackoffMs, requestTimeoutMs, idempotence, Math.max(maxRequestSize, size), maxInFlight);
    }

    public ProducerConfig withMaxRequestSize(int value) {
        return new ProducerConfig(bootstrapServers, acks, compression, batchSize, lingerMs, bufferMemory, deliveryTimeoutMs,
            retryBackoffMs, requestTimeoutMs, idempotence, value, maxInFlight);
    }

    public ProducerConfig withDeliveryTimeoutMs(long value) {
        return new ProducerConfig(bootstrapServers, acks, compression, batchSize, lingerMs, bufferMemory, value,
            retryBackoffMs, requestTimeoutMs, idempotence, maxRequestSize, maxInFlight);
    }

    /** Batches per partition sent before the first is answered ({@code max.in.flight.requests.per.connection}). */
    public ProducerConfig withMaxInFlight(int value) {
        return new ProducerConfig(bootstrapServers, acks, compression, batchSize, lingerMs, bufferMemory, deliveryTimeoutMs,
            retryBackoffMs, requestTimeoutMs, idempotence, maxRequestSize, value);
    }
}
