package io.runnel.faultsuite.hosts;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * A node's own small filesystem (a tmpfs of a fixed size) under its data directory, so the nemesis
 * can fill it up. It is mounted in this suite's mount namespace (scripts/fault-suite runs the
 * suite under {@code ip netns exec}, which gives it one), and the nodes the suite starts inherit
 * it; the root namespace never sees it, and it goes away with the suite's processes.
 */
public final class NodeDisk {
    private static final String FILLER = "fault-filler";

    private final Path mountPoint;
    private final int megabytes;
    private boolean mounted;

    NodeDisk(Path mountPoint, int megabytes) {
        this.mountPoint = mountPoint;
        this.megabytes = megabytes;
    }

    synchronized void mount() {
        if (mounted) {
            return;
        }
        try {
            Files.createDirectories(mountPoint);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + mountPoint, e);
        }
        Commands.run(List.of("mount", "-t", "tmpfs", "-o", "size=" + megabytes + "m", "tmpfs", mountPoint.toString()));
        mounted = true;
    }

    /** Writes a file until the filesystem has no space left. */
    public synchronized void fill() {
        ByteBuffer chunk = ByteBuffer.allocate(1 << 20);
        try (FileChannel out = FileChannel.open(mountPoint.resolve(FILLER), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
            StandardOpenOption.APPEND)) {
            while (true) {
                chunk.clear();
                out.write(chunk);
            }
        } catch (IOException full) {
            // "No space left on device": what this is for (a 1 MiB chunk may leave a little room; smaller ones take it)
            fillRemainder();
        }
    }

    private void fillRemainder() {
        ByteBuffer page = ByteBuffer.allocate(4096);
        try (FileChannel out = FileChannel.open(mountPoint.resolve(FILLER), StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            while (true) {
                page.clear();
                out.write(page);
            }
        } catch (IOException full) {
            // the disk is full
        }
    }

    /** Deletes the filler: the node has its space back. */
    public synchronized void free() {
        try {
            Files.deleteIfExists(mountPoint.resolve(FILLER));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the filler in " + mountPoint, e);
        }
    }

    synchronized void unmount() {
        if (mounted) {
            Commands.run(List.of("umount", "-l", mountPoint.toString()));
            mounted = false;
        }
    }
}
