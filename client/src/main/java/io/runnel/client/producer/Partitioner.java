package io.runnel.client.producer;

import io.runnel.partitioning.KeyPartitioning;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Where a record goes when the caller does not say: keyed records by Kafka's murmur2 hash of the
 * key modulo the partition count (so a key maps to the same partition as with Kafka's clients);
 * records without a key stick to one partition until its batch is sent, then move on (sticky
 * partitioning: fuller batches than round-robin per record). The key rule is a contract for
 * clients in other languages: broker.proto states it at {@code PartitionProduceData.partition}, and
 * {@code runnel/v1/partitioning-vectors.csv} (proto module) holds test vectors that PartitionerTest
 * checks this class against.
 */
public final class Partitioner {
    private Partitioner() {
    }

    /** The partition for {@code key} among {@code partitions}. */
    public static int forKey(byte[] key, int partitions) {
        return KeyPartitioning.forKey(key, partitions);
    }

    /** A random partition to stick to next. */
    static int sticky(int partitions, int avoid) {
        if (partitions <= 1) {
            return 0;
        }
        int next = ThreadLocalRandom.current().nextInt(partitions - 1);
        return next >= avoid ? next + 1 : next;
    }

    static int toPositive(int n) {
        return n & 0x7fffffff;
    }

    /** The 32-bit murmur2 hash with Kafka's seed (0x9747b28c), as its clients compute it. */
    public static int murmur2(byte[] data) {
        return KeyPartitioning.murmur2(data);
    }
}
