package io.runnel.log;

import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replication high watermark stored beside a log ({@link LogFiles#HIGH_WATERMARK_FILE}, one
 * line in the {@link CheckpointFile} format), written atomically. The log itself does not use it;
 * the broker does, to restart with consumers' visibility where it was.
 *
 * <p>Thread-safety: safe from any thread; writes are serialized on the file.
 */
final class HighWatermarkCheckpoint {
    private static final Logger log = LoggerFactory.getLogger(HighWatermarkCheckpoint.class);

    private final CheckpointFile file;

    HighWatermarkCheckpoint(Path dir) {
        this.file = new CheckpointFile(dir.resolve(LogFiles.HIGH_WATERMARK_FILE));
    }

    void write(long highWatermark) {
        synchronized (file) {
            file.write(List.<long[]>of(new long[] {highWatermark}));
        }
    }

    /** The last written high watermark, or 0 if none was ever written or the file is damaged. */
    long read() {
        try {
            return file.read(1).filter(l -> l.size() == 1).map(l -> l.get(0)[0]).orElse(0L);
        } catch (CheckpointFile.CorruptCheckpointException e) {
            log.warn("Ignoring a damaged high-watermark checkpoint: {}", e.getMessage());
            return 0L;
        }
    }
}
