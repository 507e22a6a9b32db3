package io.runnel.log.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real, small file system for disk-full tests: a tmpfs mounted with a size (and optionally an
 * inode count) in a temp directory, so writes fail with ENOSPC the way a full disk fails them, and
 * a store through a mapping into a sparse hole gets SIGBUS as it would on a full disk. Mounting
 * needs root (or CAP_SYS_ADMIN): where it is refused the test is skipped with that reason.
 *
 * <p>Filler files take the free space or inodes ({@link #fill}, {@link #exhaustInodes}) and give
 * them back ({@link #release}). {@link #close} unmounts, so the temp directory can be removed.
 */
public final class SmallFileSystem implements AutoCloseable {
    private final Path root;
    private final List<Path> fillers = new ArrayList<>();

    private SmallFileSystem(Path root) {
        this.root = root;
    }

    /**
     * Mounts a tmpfs at {@code dir} (created if needed) with {@code options}, e.g.
     * {@code size=256k} or {@code size=1m,nr_inodes=64}; skips the calling test if that is not possible.
     */
    public static SmallFileSystem mount(Path dir, String options) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", options, "tmpfs", dir.toString())
            .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        boolean done = p.waitFor(30, TimeUnit.SECONDS);
        assumeTrue(done && p.exitValue() == 0, "cannot mount a small tmpfs for a disk-full test (needs root or "
            + "CAP_SYS_ADMIN): " + output);
        return new SmallFileSystem(dir);
    }

    public Path root() {
        return root;
    }

    /** Writes filler files until the file system refuses (ENOSPC): no free block is left. */
    public void fill() throws IOException {
        Path filler = root.resolve("filler-" + fillers.size());
        fillers.add(filler);
        byte[] block = new byte[4096];
        try (OutputStream out = Files.newOutputStream(filler)) {
            while (true) {
                out.write(block);
                out.flush();
            }
        } catch (IOException full) {
            // expected: the disk is full
        }
        // A page-sized write that failed may leave room for less than a page: take it byte by byte.
        try (OutputStream out = Files.newOutputStream(filler, java.nio.file.StandardOpenOption.APPEND)) {
            while (true) {
                out.write(0);
                out.flush();
            }
        } catch (IOException full) {
            // expected
        }
    }

    /** Creates empty filler files until the file system has no inode left. */
    public void exhaustInodes() {
        while (true) {
            Path filler = root.resolve("inode-" + fillers.size());
            try {
                Files.createFile(filler);
            } catch (IOException full) {
                return;
            }
            fillers.add(filler);
        }
    }

    /** Deletes the newest filler file, giving back its inode and blocks. */
    public void releaseOne() throws IOException {
        Files.deleteIfExists(fillers.remove(fillers.size() - 1));
    }

    /** Deletes every filler file. */
    public void release() throws IOException {
        for (Path filler : fillers) {
            Files.deleteIfExists(filler);
        }
        fillers.clear();
    }

    @Override
    public void close() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("umount", "-l", root.toString()).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        p.waitFor(30, TimeUnit.SECONDS);
    }
}
