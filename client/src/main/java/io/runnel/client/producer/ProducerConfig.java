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
 */
public record ProducerConfig(String bootstrapServers, int acks, CompressionType compression, int batchSize, long lingerMs,
                             long bufferMemory, long deliveryTimeoutMs, long retryBackoffMs, long requestTimeoutMs,
                             boolean idempotence) {
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
        if (idempotence && acks != -1) {
            throw new IllegalArgumentException("enable.idempotence needs acks=all, got acks=" + acks
                + " (turn idempotence off to use it)");
        }
    }

    public static ProducerConfig defaults(String bootstrapServers) {
        return new ProducerConfig(bootstrapServers, -1, CompressionType.NONE, 16_384, 5, 32L << 20, 120_000, 100, 30_000, true);
    }

    /** acks other than all turn idempotence off, as it needs acks=all. */
    public ProducerConfig withAcks(int value) {
        return new ProducerConfig(bootstrapServers, value, compression, batchSize, lingerMs, bufferMemory, deliveryTimeoutMs,
            retryBackoffMs, requestTimeoutMs, idempotence && value == -1);
    }

    public ProducerConfig withIdempotence(boolean value) {
        return new ProducerConfig(bootstrapServers, acks, compression, batchSize, lingerMs, bufferMemory, deliveryTimeoutMs,
            retryBackoffMs, requestTimeoutMs, value);
    }

    public ProducerConfig withRequestTimeoutMs(long value) {
        return new ProducerConfig(bootstrapServers, acks, compression, batchSize, lingerMs, bufferMemory, deliveryTimeoutMs,
            retryBackoffMs, value, idempotence);
    }

    public ProducerConfig withCompression(CompressionType value) {
        return new ProducerConfig(bootstrapServers, acks, value, batchSize, lingerMs, bufferMemory, deliveryTimeoutMs,
            retryBackoffMs, requestTimeoutMs, idempotence);
    }

    public ProducerConfig withBatching(int size, long linger) {
        return new ProducerConfig(bootstrapServers, acks, compression, size, linger, Math.max(bufferMemory, size), deliveryTimeoutMs,
            retryBackoffMs, requestTimeoutMs, idempotence);
    }

    public ProducerConfig withDeliveryTimeoutMs(long value) {
        return new ProducerConfig(bootstrapServers, acks, compression, batchSize, lingerMs, bufferMemory, value,
            retryBackoffMs, requestTimeoutMs, idempotence);
    }
}
