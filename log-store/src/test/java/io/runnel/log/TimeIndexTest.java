package io.runnel.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TimeIndexTest {
    private static final long BASE = 100L;

    @TempDir
    Path tmp;
    private TimeIndex index;

    @AfterEach
    void tearDown() {
        if (index != null) {
            index.close();
        }
    }

    private TimeIndex create(int maxEntries) {
        index = new TimeIndex(tmp.resolve("00000000000000000100.timeindex"), BASE, maxEntries * TimeIndex.ENTRY_SIZE, true);
        return index;
    }

    @Test
    void onlyIncreasingTimestampsAreKept_lookupMatchesOracle() {
        create(1000);
        TreeMap<Long, Long> oracle = new TreeMap<>();
        Random random = new Random(7);
        long offset = BASE;
        long max = -1;
        for (int i = 0; i < 2000; i++) {
            offset += 1 + random.nextInt(3);
            long ts = 10_000 + random.nextInt(50_000);
            index.maybeAppend(ts, offset, false);
            if (ts > max && oracle.size() < 1000) {
                oracle.put(ts, offset);
                max = ts;
            }
        }
        assertEquals(oracle.size(), index.entries());
        for (int i = 0; i < 5000; i++) {
            long target = random.nextInt(70_000);
            Map.Entry<Long, Long> expected = oracle.floorEntry(target);
            assertEquals(expected == null ? new TimestampOffset(-1, BASE) : new TimestampOffset(expected.getKey(), expected.getValue()),
                index.lookup(target));
        }
    }

    @Test
    void forcedAppend_growsAFullIndex() {
        create(1);
        index.maybeAppend(10, 101, false);
        index.maybeAppend(20, 102, false);
        assertEquals(1, index.entries());
        index.maybeAppend(20, 102, true);
        assertEquals(2, index.entries());
        assertEquals(new TimestampOffset(20, 102), index.lastEntry());
    }

    @Test
    void offsetsMustNotDecrease() {
        create(10);
        index.maybeAppend(10, 150, false);
        assertThrows(InvalidOffsetException.class, () -> index.maybeAppend(20, 149, false));
    }

    @Test
    void truncateTo_andSanityCheck() throws Exception {
        create(10);
        index.maybeAppend(10, 101, false);
        index.maybeAppend(20, 105, false);
        index.maybeAppend(30, 110, false);
        index.truncateTo(105);
        assertEquals(new TimestampOffset(10, 101), index.lastEntry());
        index.trimToValidSize();
        index.sanityCheck(Files.size(index.file()));
        assertThrows(CorruptIndexException.class, () -> index.sanityCheck(13));
    }
}
