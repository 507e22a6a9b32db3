package io.runnel.partitioning;

/**
 * Keyed records go to {@code (murmur2(key) & 0x7fffffff) % partitions}, with Kafka's murmur2, so a
 * key maps to the same partition from every Runnel and Kafka client and from the broker's Publish
 * stream. Test vectors: {@code runnel/v1/partitioning-vectors.csv} in this module's resources.
 */
public final class KeyPartitioning {
    private KeyPartitioning() {
    }

    /** The partition for {@code key} among {@code partitions}. */
    public static int forKey(byte[] key, int partitions) {
        return (murmur2(key) & 0x7fffffff) % partitions;
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
