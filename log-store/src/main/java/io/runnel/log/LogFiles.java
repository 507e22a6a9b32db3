package io.runnel.log;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * Naming rules for the files of a partition directory. Segment files are named by their base
 * offset, zero-padded to 20 digits so that a directory listing sorts numerically:
 * {@code 00000000000000170410.log}, {@code .index}, {@code .timeindex}.
 */
public final class LogFiles {
    private LogFiles() {
    }

    /** Record batches, appended sequentially. */
    public static final String LOG_SUFFIX = ".log";
    /** Sparse offset index: relative offset to file position. */
    public static final String INDEX_SUFFIX = ".index";
    /** Sparse time index: timestamp to relative offset. */
    public static final String TIME_INDEX_SUFFIX = ".timeindex";
    /** Appended to a segment file that retention or truncation removed, until it is really deleted. */
    public static final String DELETED_SUFFIX = ".deleted";
    /** Appended to a file being written, before it atomically replaces the real one. */
    public static final String TMP_SUFFIX = ".tmp";
    /** Offset up to which every segment is known to be flushed to disk. */
    public static final String RECOVERY_POINT_FILE = "recovery-point.checkpoint";
    /** The partition's high watermark as last checkpointed by the broker. */
    public static final String HIGH_WATERMARK_FILE = "high-watermark.checkpoint";
    /**
     * The log start offset when DeleteRecords (or a follower following its leader) moved it past
     * the first segment's base offset; absent while the start is the first segment's base.
     */
    public static final String LOG_START_OFFSET_FILE = "log-start-offset.checkpoint";
    /** Leader-epoch history: epoch to start offset. */
    public static final String LEADER_EPOCH_FILE = "leader-epoch.checkpoint";
    /** Present while the log is closed cleanly; absent after a crash. */
    public static final String CLEAN_SHUTDOWN_FILE = ".clean-shutdown";

    /** The 20-digit, zero-padded form of an offset. */
    public static String filenamePrefix(long offset) {
        if (offset < 0) {
            throw new IllegalArgumentException("offset must be >= 0, got " + offset);
        }
        String digits = Long.toString(offset);
        return "0".repeat(20 - digits.length()) + digits;
    }

    public static Path logFile(Path dir, long baseOffset) {
        return dir.resolve(filenamePrefix(baseOffset) + LOG_SUFFIX);
    }

    public static Path offsetIndexFile(Path dir, long baseOffset) {
        return dir.resolve(filenamePrefix(baseOffset) + INDEX_SUFFIX);
    }

    public static Path timeIndexFile(Path dir, long baseOffset) {
        return dir.resolve(filenamePrefix(baseOffset) + TIME_INDEX_SUFFIX);
    }

    /**
     * The base offset a segment file name encodes, if it is one of ours with {@code suffix}.
     * Anything else (other suffixes, a prefix that is not 20 digits) gives empty.
     */
    public static OptionalLong baseOffsetOf(Path file, String suffix) {
        String name = file.getFileName().toString();
        if (!name.endsWith(suffix) || name.length() != 20 + suffix.length()) {
            return OptionalLong.empty();
        }
        String prefix = name.substring(0, 20);
        for (int i = 0; i < prefix.length(); i++) {
            if (!Character.isDigit(prefix.charAt(i))) {
                return OptionalLong.empty();
            }
        }
        try {
            return OptionalLong.of(Long.parseLong(prefix));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /**
     * Deletes a segment's files (log and both indexes), as far as it can: for a segment that failed
     * half-way through being created (a full disk, no inode left), which must not leave files in
     * the way of a later roll to the same base offset. What cannot be deleted is added to
     * {@code failure} as suppressed.
     */
    static void deleteSegmentFiles(Path dir, long baseOffset, RuntimeException failure) {
        for (Path f : new Path[] {offsetIndexFile(dir, baseOffset), timeIndexFile(dir, baseOffset), logFile(dir, baseOffset)}) {
            try {
                Files.deleteIfExists(f);
            } catch (IOException e) {
                failure.addSuppressed(e);
            }
        }
    }
}
