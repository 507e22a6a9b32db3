package io.runnel.log;

import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One offset stored beside a log (one line in the {@link CheckpointFile} format), written
 * atomically. Two kinds:
 * <ul>
 *   <li>{@link LogFiles#HIGH_WATERMARK_FILE}: the replication high watermark. The log itself does
 *       not use it; the broker does, to restart with consumers' visibility where it was.</li>
 *   <li>{@link LogFiles#LOG_START_OFFSET_FILE}: the log start offset, written whenever
 *       DeleteRecords (or a follower following its leader) moves it and when the log restarts
 *       empty at an offset. Without it a restart would put the start back at the first segment's
 *       base, bringing deleted records back.</li>
 * </ul>
 * A damaged file reads as 0 with a warning: a high watermark then restarts low (it only rises
 * again), and deleted records reappear; nothing acknowledged is lost either way.
 *
 * <p>Thread-safety: safe from any thread; writes are serialized on the file.
 */
final class OffsetCheckpoint {
    private static final Logger log = LoggerFactory.getLogger(OffsetCheckpoint.class);

    private final CheckpointFile file;

    /** @param name one of the {@link LogFiles} checkpoint names above */
    OffsetCheckpoint(Path dir, String name) {
        this.file = new CheckpointFile(dir.resolve(name));
    }

    void write(long offset) {
        synchronized (file) {
            file.write(List.<long[]>of(new long[] {offset}));
        }
    }

    /** The last written offset, or 0 if none was ever written or the file is damaged. */
    long read() {
        try {
            return file.read(1).filter(l -> l.size() == 1).map(l -> l.get(0)[0]).orElse(0L);
        } catch (CheckpointFile.CorruptCheckpointException e) {
            log.warn("Ignoring a damaged checkpoint: {}", e.getMessage());
            return 0L;
        }
    }
}
