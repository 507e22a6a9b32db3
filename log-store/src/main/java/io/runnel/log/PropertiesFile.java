package io.runnel.log;

import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;

/**
 * A small {@code key=value} text file (one pair a line, {@code #} comments, UTF-8) written the way
 * {@link CheckpointFile} is: temp file, fsync, atomic rename, fsync of the directory, so a crash
 * leaves the old content or the new one, never a mix or an empty file.
 */
final class PropertiesFile {
    private PropertiesFile() {
    }

    /** Replaces {@code file} with {@code header} (a comment line) and {@code entries} in order. */
    static void write(Path file, String header, Map<String, String> entries) throws IOException {
        StringBuilder text = new StringBuilder("# ").append(header).append('\n');
        entries.forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
        Path tmp = file.resolveSibling(file.getFileName() + LogFiles.TMP_SUFFIX);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8)));
            ch.force(true);
        }
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
        CheckpointFile.fsyncDirectory(file.getParent());
    }

    /** The entries of {@code file}, or empty if it does not exist. */
    static Optional<Map<String, String>> read(Path file) throws IOException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        Properties p = new Properties();
        p.load(new StringReader(text));
        Map<String, String> out = new TreeMap<>();
        p.stringPropertyNames().forEach(k -> out.put(k, p.getProperty(k).trim()));
        return Optional.of(out);
    }
}
