package io.runnel.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OffsetIndexTest {
    private static final long BASE = 45L;

    @TempDir
    Path tmp;
    private OffsetIndex index;

    @AfterEach
    void tearDown() {
        if (index != null) {
            index.close();
        }
    }

    private OffsetIndex create(int maxEntries) {
        index = new OffsetIndex(tmp.resolve("00000000000000000045.index"), BASE, maxEntries * OffsetIndex.ENTRY_SIZE, true);
        return index;
    }

    @Test
    void lookup_matchesATreeMapOracle() {
        create(1000);
        TreeMap<Long, Integer> oracle = new TreeMap<>();
        Random random = new Random(42);
        long offset = BASE;
        int position = 0;
        for (int i = 0; i < 1000; i++) {
            offset += 1 + random.nextInt(20);
            position += 1 + random.nextInt(5000);
            index.append(offset, position);
            oracle.put(offset, position);
        }
        for (int i = 0; i < 5000; i++) {
            long target = BASE + random.nextInt((int) (offset - BASE + 100));
            Map.Entry<Long, Integer> expected = oracle.floorEntry(target);
            OffsetPosition got = index.lookup(target);
            if (expected == null) {
                assertEquals(new OffsetPosition(BASE, 0), got);
            } else {
                assertEquals(new OffsetPosition(expected.getKey(), expected.getValue()), got);
            }
            int byPosition = random.nextInt(position + 10);
            Map.Entry<Long, Integer> expectedByPosition = oracle.entrySet().stream()
                .filter(e -> e.getValue() <= byPosition).reduce((a, b) -> b).orElse(null);
            assertEquals(expectedByPosition == null ? new OffsetPosition(BASE, 0)
                : new OffsetPosition(expectedByPosition.getKey(), expectedByPosition.getValue()),
                index.lookupByPosition(byPosition));
        }
    }

    @Test
    void append_mustIncrease_andFitFourBytes() {
        create(10);
        index.append(50, 0);
        assertThrows(InvalidOffsetException.class, () -> index.append(50, 10));
        assertThrows(InvalidOffsetException.class, () -> index.append(49, 10));
        assertThrows(OffsetOverflowException.class, () -> index.append(BASE + Integer.MAX_VALUE + 1L, 10));
        assertThrows(OffsetOverflowException.class, () -> index.append(BASE - 1, 10));
    }

    @Test
    void isFull_atMaxEntries() {
        create(3);
        index.append(46, 1);
        index.append(47, 2);
        index.append(48, 3);
        assertTrue(index.isFull());
        assertThrows(IllegalStateException.class, () -> index.append(49, 4));
    }

    @Test
    void truncateTo_removesEntriesAtOrAbove() {
        create(10);
        for (int i = 1; i <= 5; i++) {
            index.append(BASE + i * 10, i * 100);
        }
        index.truncateTo(BASE + 30);
        assertEquals(2, index.entries());
        assertEquals(new OffsetPosition(BASE + 20, 200), index.lookup(BASE + 1000));
        index.append(BASE + 25, 250);
        assertEquals(new OffsetPosition(BASE + 25, 250), index.lookup(BASE + 1000));
    }

    @Test
    void trimAndReopen_keepsEntries_mapsLazily() throws Exception {
        create(100);
        index.append(50, 10);
        index.append(60, 20);
        assertEquals(100 * OffsetIndex.ENTRY_SIZE, Files.size(index.file()));
        index.trimToValidSize();
        assertEquals(2 * OffsetIndex.ENTRY_SIZE, Files.size(index.file()));
        index.close();
        OffsetIndex sealed = new OffsetIndex(index.file(), BASE, 800, false);
        index = sealed;
        assertEquals(2, sealed.entries());
        assertEquals(new OffsetPosition(60, 20), sealed.lookup(1000));
        sealed.sanityCheck(Files.size(sealed.file()), 1000);
        assertThrows(CorruptIndexException.class, () -> sealed.sanityCheck(Files.size(sealed.file()), 15));
        assertThrows(CorruptIndexException.class, () -> sealed.sanityCheck(Files.size(sealed.file()) + 1, 1000));
    }
}
