package io.runnel.log;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.HashSet;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens a partition directory and brings it to a consistent state: the one place that decides
 * what to trust after a crash.
 *
 * <ul>
 *   <li>Leftover {@code .deleted} and {@code .tmp} files and index files without a log are removed.</li>
 *   <li>After an unclean shutdown (no clean-shutdown marker) every segment from the one holding the
 *       recovery point onward is re-validated batch by batch ({@link LogSegment#recover}); the first
 *       torn or corrupt batch and everything after it (later segments included) is cut off, so a
 *       corrupt batch is never served and the log stays contiguous.</li>
 *   <li>Any other segment whose index is missing or fails its sanity check is recovered the same way,
 *       which rebuilds its indexes.</li>
 *   <li>A damaged or missing leader-epoch file is rebuilt from the batches' epochs.</li>
 * </ul>
 *
 * What was cut or rebuilt is logged and returned as a {@link RecoveryReport}.
 */
final class LogLoader {
    private static final Logger log = LoggerFactory.getLogger(LogLoader.class);

    /** What loading found and did. */
    record RecoveryReport(boolean cleanShutdown, int segmentsRecovered, int indexesRebuilt, long bytesTruncated,
                          int segmentsDropped, List<String> problems) {
    }

    /** The consistent state a {@link Log} starts from. */
    record Loaded(TreeMap<Long, LogSegment> segments, long logStartOffset, long logEndOffset, long recoveryPoint,
                  LeaderEpochCache epochs, RecoveryReport report) {
    }

    private LogLoader() {
    }

    static Loaded load(Path dir, LogConfig config, long nowMs, CheckpointFile recoveryPointFile,
                       CheckpointFile epochFile, LogOffsetSource logEndOffset) {
        prepareDirectory(dir);
        Path marker = dir.resolve(LogFiles.CLEAN_SHUTDOWN_FILE);
        List<Long> bases = segmentBaseOffsets(dir);
        // A directory without segments is a new log: there is nothing a crash could have damaged.
        boolean clean = Files.exists(marker) || bases.isEmpty();
        List<String> problems = new ArrayList<>();
        long recoveryPoint = readRecoveryPoint(recoveryPointFile, problems);

        LeaderEpochCache epochs;
        boolean rebuildEpochs = false;
        try {
            List<EpochEntry> history = new ArrayList<>();
            epochFile.read(2).ifPresent(lines -> lines.forEach(l -> history.add(new EpochEntry((int) l[0], l[1]))));
            epochs = new LeaderEpochCache(epochFile, history, logEndOffset::get);
            rebuildEpochs = !Files.exists(epochFile.file());
        } catch (CheckpointFile.CorruptCheckpointException e) {
            problems.add(e.getMessage());
            epochs = new LeaderEpochCache(epochFile, List.of(), logEndOffset::get);
            rebuildEpochs = true;
        }

        TreeMap<Long, LogSegment> segments = new TreeMap<>();
        Set<Long> indexSuspect = new HashSet<>();
        for (int i = 0; i < bases.size(); i++) {
            long base = bases.get(i);
            if (!wholeEntries(LogFiles.offsetIndexFile(dir, base), OffsetIndex.ENTRY_SIZE)
                || !wholeEntries(LogFiles.timeIndexFile(dir, base), TimeIndex.ENTRY_SIZE)) {
                // Checked before opening: opening the active segment pre-allocates its indexes.
                indexSuspect.add(base);
            }
            segments.put(base, LogSegment.open(dir, base, config, i == bases.size() - 1, nowMs));
        }
        if (segments.isEmpty()) {
            segments.put(0L, LogSegment.open(dir, 0L, config, true, nowMs));
        }
        // An empty epoch file for a log without data is accurate, not missing information.
        if (rebuildEpochs && segments.size() == 1 && segments.firstEntry().getValue().sizeInBytes() == 0) {
            rebuildEpochs = false;
        }
        if (rebuildEpochs) {
            epochs.clear();
        }

        Long firstToRecover = rebuildEpochs ? segments.firstKey()
            : clean ? null : segments.floorKey(recoveryPoint) == null ? segments.firstKey() : segments.floorKey(recoveryPoint);
        int recovered = 0;
        int rebuilt = 0;
        long truncatedBytes = 0;
        int dropped = 0;
        long logEnd = -1;
        List<Long> keys = new ArrayList<>(segments.keySet());
        for (int i = 0; i < keys.size(); i++) {
            long base = keys.get(i);
            LogSegment segment = segments.get(base);
            boolean last = i == keys.size() - 1;
            boolean recover = firstToRecover != null && base >= firstToRecover;
            if (!recover) {
                if (indexSuspect.contains(base)) {
                    problems.add("index files of segment " + base + " missing or not whole entries: rebuilt");
                    recover = true;
                    rebuilt++;
                } else {
                    try {
                        segment.sanityCheckIndexes();
                    } catch (CorruptIndexException e) {
                        problems.add(e.getMessage() + ": rebuilt");
                        recover = true;
                        rebuilt++;
                    }
                }
            }
            if (!recover) {
                continue;
            }
            recovered++;
            if (rebuildEpochs || firstToRecover != null && base >= firstToRecover) {
                // The checkpointed history may run past what survives; recovery re-adds what does.
                epochs.truncateFromEnd(base);
            }
            LogSegment.RecoveryResult result = segment.recover(epochs);
            if (!last) {
                segment.onBecomeInactive();
            }
            if (result.truncatedBytes() > 0) {
                truncatedBytes += result.truncatedBytes();
                problems.add("segment " + base + ": truncated " + result.truncatedBytes() + " bytes at position "
                    + result.validBytes() + ": " + result.reason());
                // Later segments cannot be reached without the records that were cut: drop them.
                for (int j = i + 1; j < keys.size(); j++) {
                    LogSegment later = segments.remove(keys.get(j));
                    problems.add("segment " + keys.get(j) + " dropped: it follows a truncated segment");
                    later.deleteFiles();
                    dropped++;
                }
                if (!last) {
                    // The truncated segment is now the last one and must take appends again.
                    segment.close();
                    segments.put(base, LogSegment.open(dir, base, config, true, nowMs));
                }
                logEnd = result.nextOffset();
                break;
            }
            if (last) {
                logEnd = result.nextOffset();
            }
        }
        LogSegment active = segments.lastEntry().getValue();
        if (logEnd < 0) {
            logEnd = active.readNextOffset();
        }
        long logStart = segments.firstKey();
        epochs.truncateFromEnd(logEnd);
        epochs.truncateFromStart(logStart);
        if (recovered > 0) {
            // What recovery kept is now known good: make it durable before trusting it as flushed.
            segments.values().forEach(LogSegment::flush);
        }
        long newRecoveryPoint = recovered > 0 || recoveryPoint > logEnd ? logEnd : Math.max(recoveryPoint, logStart);
        recoveryPointFile.write(List.<long[]>of(new long[] {newRecoveryPoint}));
        try {
            Files.deleteIfExists(marker);
            CheckpointFile.fsyncDirectory(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot remove clean-shutdown marker in " + dir, e);
        }
        RecoveryReport report = new RecoveryReport(clean, recovered, rebuilt, truncatedBytes, dropped, List.copyOf(problems));
        if (!problems.isEmpty()) {
            log.warn("Loaded {} with problems: {}", dir, problems);
        } else if (!clean) {
            log.info("Recovered {} after an unclean shutdown: {} segments re-validated", dir, recovered);
        }
        return new Loaded(segments, logStart, logEnd, newRecoveryPoint, epochs, report);
    }

    /** Supplies the log end offset to the epoch cache once the log exists. */
    interface LogOffsetSource {
        long get();
    }

    private static void prepareDirectory(Path dir) {
        try {
            Files.createDirectories(dir);
            if (!Files.isWritable(dir)) {
                throw new IOException("directory is not writable");
            }
            // First, so a compaction swap a crash interrupted is finished before anything is judged missing.
            LogCleaner.recover(dir);
            try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
                for (Path file : files) {
                    String name = file.getFileName().toString();
                    if (name.endsWith(LogFiles.DELETED_SUFFIX) || name.endsWith(LogFiles.TMP_SUFFIX)) {
                        Files.deleteIfExists(file);
                    }
                }
            }
            // Index files whose log is gone (a crash in the middle of deleting a segment).
            try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
                for (Path file : files) {
                    for (String suffix : new String[] {LogFiles.INDEX_SUFFIX, LogFiles.TIME_INDEX_SUFFIX}) {
                        OptionalLong base = LogFiles.baseOffsetOf(file, suffix);
                        if (base.isPresent() && !Files.exists(LogFiles.logFile(dir, base.getAsLong()))) {
                            Files.deleteIfExists(file);
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot use log directory " + dir + ": " + e.getMessage(), e);
        }
    }

    private static boolean wholeEntries(Path index, int entrySize) {
        try {
            return Files.exists(index) && Files.size(index) % entrySize == 0;
        } catch (IOException e) {
            return false;
        }
    }

    private static List<Long> segmentBaseOffsets(Path dir) {
        List<Long> bases = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + LogFiles.LOG_SUFFIX)) {
            for (Path file : files) {
                LogFiles.baseOffsetOf(file, LogFiles.LOG_SUFFIX).ifPresent(bases::add);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list " + dir, e);
        }
        bases.sort(null);
        return bases;
    }

    private static long readRecoveryPoint(CheckpointFile file, List<String> problems) {
        try {
            return file.read(1).filter(l -> l.size() == 1).map(l -> l.get(0)[0]).orElse(0L);
        } catch (CheckpointFile.CorruptCheckpointException e) {
            problems.add(e.getMessage() + ": treated as 0, so an unclean shutdown re-validates every segment");
            return 0L;
        }
    }
}
