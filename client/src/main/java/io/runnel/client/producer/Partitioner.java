package io.runnel.client.producer;

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
        return toPositive(murmur2(key)) % partitions;
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
        int length = data.length;
        int seed = 0x9747b28c;
        final int m = 0x5bd1e995;
        final int r = 24;
        int h = seed ^ length;
        int length4 = length / 4;
        for (int i = 0; i < length4; i++) {
            int i4 = i * 4;
            int k = (data[i4] & 0xff) + ((data[i4 + 1] & 0xff) << 8) + ((data[i4 + 2] & 0xff) << 16) + ((data[i4 + 3] & 0xff) << 24);
            k *= m;
            k ^= k >>> r;
            k *= m;
            h *= m;
            h ^= k;
        }
        int tail = length4 * 4;
        switch (length % 4) {
            case 3:
                h ^= (data[tail + 2] & 0xff) << 16;
                // fall through
            case 2:
                h ^= (data[tail + 1] & 0xff) << 8;
                // fall through
            case 1:
                h ^= data[tail] & 0xff;
                h *= m;
                break;
            default:
                break;
        }
        h ^= h >>> 13;
        h *= m;
        h ^= h >>> 15;
        return h;
    }
}
