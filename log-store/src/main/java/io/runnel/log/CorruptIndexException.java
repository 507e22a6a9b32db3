package io.runnel.log;

import java.nio.file.Path;

/**
 * An index file fails its sanity check. Indexes carry no checksum because they are derived data:
 * the log rebuilds a damaged one from its segment instead of trusting it.
 */
public final class CorruptIndexException extends RuntimeException {
    private final Path file;

    public CorruptIndexException(Path file, String detail) {
        super("Corrupt index " + file + ": " + detail);
        this.file = file;
    }

    public Path file() {
        return file;
    }
}
