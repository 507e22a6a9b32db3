package io.runnel.client.producer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
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

    /** The key-to-partition test vectors that other languages check themselves against (broker.proto). */
    static final String VECTORS = "/runnel/v1/partitioning-vectors.csv";

    /** The partition counts of the vector file's columns, in order. */
    private static final int[] VECTOR_PARTITION_COUNTS = {1, 3, 6, 12, 100};

    /** One row of the vector file. */
    record Vector(int line, byte[] key, int murmur2, int[] partitions, String text) {
    }

    private static List<Vector> vectors() throws IOException {
        InputStream in = PartitionerTest.class.getResourceAsStream(VECTORS);
        assertNotNull(in, VECTORS + " is missing from the proto module's resources");
        List<Vector> out = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String header = null;
            int lineNumber = 0;
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                lineNumber++;
                if (line.startsWith("#") || line.isBlank()) {
                    continue;
                }
                if (header == null) {
                    header = line;
                    assertEquals("key_hex,murmur2,partitions_1,partitions_3,partitions_6,partitions_12,partitions_100,key_utf8",
                        header);
                    continue;
                }
                String[] f = line.split(",", -1);
                assertEquals(8, f.length, "line " + lineNumber + ": " + line);
                int[] partitions = new int[VECTOR_PARTITION_COUNTS.length];
                for (int i = 0; i < partitions.length; i++) {
                    partitions[i] = Integer.parseInt(f[2 + i]);
                }
                out.add(new Vector(lineNumber, HexFormat.of().parseHex(f[0]), Integer.parseInt(f[1]), partitions, f[7]));
            }
        }
        return out;
    }

    /**
     * The Java client places every key of the vector file where the file says, for each partition
     * count: the file is the contract other clients test against, so it must be what we do.
     */
    @Test
    void forKey_matchesThePartitioningVectors() throws IOException {
        List<Vector> vectors = vectors();
        assertTrue(vectors.size() >= 30, "expected at least 30 vectors, found " + vectors.size());
        boolean negativeHash = false;
        for (Vector v : vectors) {
            String where = "line " + v.line() + " of " + VECTORS + " (key " + HexFormat.of().formatHex(v.key()) + ")";
            if (!v.text().isEmpty()) {
                assertArrayEquals(v.text().getBytes(StandardCharsets.UTF_8), v.key(), where + ": key_utf8 is not key_hex");
            }
            assertEquals(v.murmur2(), Partitioner.murmur2(v.key()), where);
            for (int i = 0; i < VECTOR_PARTITION_COUNTS.length; i++) {
                assertEquals(v.partitions()[i], Partitioner.forKey(v.key(), VECTOR_PARTITION_COUNTS[i]),
                    where + " with " + VECTOR_PARTITION_COUNTS[i] + " partitions");
            }
            negativeHash |= v.murmur2() < 0;
        }
        assertTrue(negativeHash, "the vectors must include negative hashes, or the positive mask goes untested");
    }
}
