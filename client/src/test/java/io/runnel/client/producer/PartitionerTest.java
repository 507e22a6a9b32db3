package io.runnel.client.producer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PartitionerTest {
    private static int hash(String s) {
        return Partitioner.murmur2(s.getBytes(StandardCharsets.UTF_8));
    }

    /** Kafka's published murmur2 vectors, so keys land on the partitions Kafka's clients pick. */
    @Test
    void murmur2_matchesKafka() {
        assertEquals(-973932308, hash("21"));
        assertEquals(-790332482, hash("foobar"));
        assertEquals(-985981536, hash("a-little-bit-long-string"));
        assertEquals(-1486304829, hash("a-little-bit-longer-string"));
        assertEquals(-58897971, hash("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8"));
        assertEquals(479470107, Partitioner.murmur2(new byte[] {'a', 'b', 'c'}));
    }

    @Test
    void forKey_isStableAndInRange() {
        for (int i = 0; i < 1000; i++) {
            byte[] key = ("key-" + i).getBytes(StandardCharsets.UTF_8);
            int p = Partitioner.forKey(key, 7);
            assertEquals(p, Partitioner.forKey(key, 7));
            assertEquals(true, p >= 0 && p < 7);
        }
    }
}
