package io.runnel.log;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A small text file replaced atomically: write a temp file, fsync it, rename it over the old one,
 * fsync the directory. A crash leaves either the old or the new content, never a mix.
 *
 * <pre>
 *  line 1: format version (0)
 *  line 2: number of entries N
 *  lines 3..N+2: one entry each, fields separated by single spaces
 * </pre>
 *
 * Thread-safety: {@link #write} and {@link #read} are synchronized; one instance per file.
 */
final class CheckpointFile {
    static final int VERSION = 0;

    private final Path file;

    CheckpointFile(Path file) {
        this.file = file;
    }

    Path file() {
        return file;
    }

    /** Replaces the file with {@code entries}; each entry is its space-separated fields. */
    synchronized void write(List<long[]> entries) {
        StringBuilder text = new StringBuilder();
        text.append(VERSION).append('\n').append(entries.size()).append('\n');
        for (long[] fields : entries) {
            for (int i = 0; i < fields.length; i++) {
                text.append(i == 0 ? "" : " ").append(fields[i]);
            }
            text.append('\n');
        }
        Path tmp = file.resolveSibling(file.getFileName() + LogFiles.TMP_SUFFIX);
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
                ch.write(java.nio.ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8)));
                ch.force(true);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
            fsyncDirectory(file.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write checkpoint " + file, e);
        }
    }

    /**
     * The entries, each with exactly {@code fieldsPerEntry} fields; empty if the file does not exist.
     *
     * @throws CorruptCheckpointException if the file exists but does not parse
     */
    synchronized Optional<List<long[]>> read(int fieldsPerEntry) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read checkpoint " + file, e);
        } catch (RuntimeException e) {
            throw new CorruptCheckpointException(file, "not valid UTF-8 text");
        }
        if (lines.size() < 2) {
            throw new CorruptCheckpointException(file, "expected a version and an entry count, found " + lines.size() + " lines");
        }
        long version = parse(lines.get(0), "version");
        if (version != VERSION) {
            throw new CorruptCheckpointException(file, "unknown version " + version);
        }
        long count = parse(lines.get(1), "entry count");
        if (count < 0 || count != lines.size() - 2) {
            throw new CorruptCheckpointException(file, "entry count " + count + " but " + (lines.size() - 2) + " entry lines");
        }
        List<long[]> entries = new ArrayList<>((int) count);
        for (int i = 2; i < lines.size(); i++) {
            String[] parts = lines.get(i).split(" ", -1);
            if (parts.length != fieldsPerEntry) {
                throw new CorruptCheckpointException(file, "line " + (i + 1) + " has " + parts.length
                    + " fields, expected " + fieldsPerEntry);
            }
            long[] fields = new long[fieldsPerEntry];
            for (int f = 0; f < fieldsPerEntry; f++) {
                fields[f] = parse(parts[f], "line " + (i + 1) + " field " + (f + 1));
            }
            entries.add(fields);
        }
        return Optional.of(entries);
    }

    private long parse(String text, String what) {
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw new CorruptCheckpointException(file, what + " is not a number: '" + text + "'");
        }
    }

    /** Makes a rename or file creation in {@code dir} durable (POSIX needs the directory synced). */
    static void fsyncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // Some platforms cannot open a directory; the rename is still atomic there.
        }
    }

    /** A checkpoint file that exists but does not parse. */
    static final class CorruptCheckpointException extends RuntimeException {
        CorruptCheckpointException(Path file, String detail) {
            super("Corrupt checkpoint " + file + ": " + detail);
        }
    }
}
