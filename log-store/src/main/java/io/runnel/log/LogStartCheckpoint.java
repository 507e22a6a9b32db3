package io.runnel.log;

import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The log start offset stored beside a log ({@link LogFiles#LOG_START_OFFSET_FILE}, one line in
 * the {@link CheckpointFile} format), written atomically whenever DeleteRecords (or a follower
 * following its leader) moves the start, and when the log restarts empty at an offset. Without
 * it a restart would put the start back at the first segment's base, bringing deleted records
 * back.
 *
 * <p>Thread-safety: safe from any thread; writes are serialized on the file (callers hold the
 * log's lock anyway).
 */
final class LogStartCheckpoint {
    private static final Logger log = LoggerFactory.getLogger(LogStartCheckpoint.class);

    private final CheckpointFile file;

    LogStartCheckpoint(Path dir) {
        this.file = new CheckpointFile(dir.resolve(LogFiles.LOG_START_OFFSET_FILE));
    }

    void write(long logStartOffset) {
        synchronized (file) {
            file.write(List.<long[]>of(new long[] {logStartOffset}));
        }
    }

    /**
     * The last written start, or 0 if none was ever written or the file is damaged (then only a
     * deletion of records is lost: they reappear; nothing acknowledged is missing).
     */
    long read() {
        try {
            return file.read(1).filter(l -> l.size() == 1).map(l -> l.get(0)[0]).orElse(0L);
        } catch (CheckpointFile.CorruptCheckpointException e) {
            log.warn("Ignoring a damaged log-start-offset checkpoint: {}", e.getMessage());
            return 0L;
        }
    }
}
