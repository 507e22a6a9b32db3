package io.runnel.log;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LeaderEpochCacheTest {
    @TempDir
    Path tmp;
    private final AtomicLong logEnd = new AtomicLong();

    private LeaderEpochCache cache() {
        return new LeaderEpochCache(new CheckpointFile(tmp.resolve(LogFiles.LEADER_EPOCH_FILE)), List.of(), logEnd::get);
    }

    private List<EpochEntry> reloaded() {
        List<EpochEntry> entries = new java.util.ArrayList<>();
        new CheckpointFile(tmp.resolve(LogFiles.LEADER_EPOCH_FILE)).read(2).orElseThrow()
            .forEach(l -> entries.add(new EpochEntry((int) l[0], l[1])));
        return entries;
    }

    @Test
    void assign_ignoresSameOrOlderEpochs_andPersists() {
        LeaderEpochCache cache = cache();
        cache.assign(1, 0);
        cache.assign(1, 10);
        cache.assign(0, 20);
        cache.assign(4, 30);
        assertEquals(List.of(new EpochEntry(1, 0), new EpochEntry(4, 30)), cache.entries());
        assertEquals(cache.entries(), reloaded());
        assertEquals(4, cache.latestEpoch());
        assertEquals(30, cache.latestEpochStartOffset());
    }

    @Test
    void assign_newEpochAtALowerOffset_replacesWhatItContradicts() {
        LeaderEpochCache cache = cache();
        cache.assign(1, 0);
        cache.assign(2, 10);
        cache.assign(3, 20);
        cache.assign(5, 15);
        assertEquals(List.of(new EpochEntry(1, 0), new EpochEntry(2, 10), new EpochEntry(5, 15)), cache.entries());
    }

    @Test
    void endOffsetFor_usesNextEpochStartOrLogEnd() {
        LeaderEpochCache cache = cache();
        cache.assign(2, 5);
        cache.assign(6, 40);
        logEnd.set(77);
        assertEquals(EpochEndOffset.UNDEFINED, cache.endOffsetFor(1));
        assertEquals(new EpochEndOffset(2, 40), cache.endOffsetFor(2));
        assertEquals(new EpochEndOffset(2, 40), cache.endOffsetFor(5));
        assertEquals(new EpochEndOffset(6, 77), cache.endOffsetFor(6));
        assertEquals(new EpochEndOffset(6, 77), cache.endOffsetFor(100));
    }

    @Test
    void truncateFromEndAndStart() {
        LeaderEpochCache cache = cache();
        cache.assign(1, 0);
        cache.assign(2, 10);
        cache.assign(3, 20);
        cache.truncateFromEnd(20);
        assertEquals(List.of(new EpochEntry(1, 0), new EpochEntry(2, 10)), cache.entries());
        cache.truncateFromStart(12);
        assertEquals(List.of(new EpochEntry(2, 12)), cache.entries());
        cache.truncateFromStart(5);
        assertEquals(List.of(new EpochEntry(2, 12)), cache.entries());
        assertEquals(cache.entries(), reloaded());
    }
}
