package io.runnel.security;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TLS material that follows its files: at most once per {@link #CHECK_INTERVAL_MS}, when a
 * handshake asks, the files' modification times are compared with those of the loaded material,
 * and if one changed the files are loaded again. New handshakes then use the new certificate, key
 * and CA; connections already open keep theirs. Files that do not load (a rotation caught half
 * written, a key that does not match its certificate, a certificate not valid now) or a
 * certificate for another principal leave the old material in use, with a warning; the next check
 * tries again.
 *
 * <p>Each load is a generation; the key manager names its certificate by generation
 * ({@code self#3}), so the chain and key of one handshake always come from one generation even
 * when a reload happens between the two calls.
 *
 * <p>Thread-safety: safe from any thread; a reload is synchronized.
 */
final class ReloadingFiles {
    private static final Logger log = LoggerFactory.getLogger(ReloadingFiles.class);
    /** How often the files' modification times are looked at, at most. */
    static final long CHECK_INTERVAL_MS = 1000;

    private final TlsFiles files;
    private final Clock clock;
    private volatile Generation current;
    private volatile Generation previous;
    private volatile long nextCheckMs;

    /** One load of the files. */
    record Generation(int number, TlsMaterial material, List<FileTime> modified) {
    }

    /** @throws IllegalArgumentException naming the file, if the files do not load now */
    ReloadingFiles(TlsFiles files, Clock clock) {
        this.files = files;
        this.clock = clock;
        this.current = new Generation(0, files.load(), modified());
        this.previous = current;
        this.nextCheckMs = clock.millis() + CHECK_INTERVAL_MS;
    }

    /** The material to use for a new handshake, loaded again first if the files changed. */
    Generation current() {
        if (clock.millis() >= nextCheckMs) {
            reloadIfChanged();
        }
        return current;
    }

    /** Generation {@code number}, if it is the current or the one before. */
    Optional<Generation> generation(int number) {
        Generation c = current;
        Generation p = previous;
        return c.number() == number ? Optional.of(c) : p.number() == number ? Optional.of(p) : Optional.empty();
    }

    private synchronized void reloadIfChanged() {
        if (clock.millis() < nextCheckMs) {
            return;
        }
        nextCheckMs = clock.millis() + CHECK_INTERVAL_MS;
        List<FileTime> modified = modified();
        if (modified.equals(current.modified())) {
            return;
        }
        try {
            TlsMaterial loaded = files.load();
            Optional<Principal> was = current.material().principal();
            if (!Objects.equals(loaded.principal(), was)) {
                throw new IllegalArgumentException(files.certFile() + " authenticates as "
                    + loaded.principal().map(Principal::toString).orElse("nobody") + ", not " + was.orElseThrow());
            }
            previous = current;
            current = new Generation(current.number() + 1, loaded, modified);
            log.info("Reloaded TLS files {}, {}, {}: new handshakes use them", files.caFile(), files.certFile(), files.keyFile());
        } catch (IllegalArgumentException e) {
            log.warn("TLS files changed but were not reloaded, the ones loaded before stay in use: {}", e.getMessage());
        }
    }

    /** The modification times of the files (null for one that cannot be read now). */
    private List<FileTime> modified() {
        List<FileTime> out = new ArrayList<>();
        for (Path file : new Path[] {files.caFile(), files.certFile(), files.keyFile()}) {
            try {
                out.add(file == null ? null : Files.getLastModifiedTime(file));
            } catch (IOException e) {
                out.add(null);
            }
        }
        return out;
    }
}
