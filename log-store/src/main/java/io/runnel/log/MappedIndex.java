package io.runnel.log;

import java.io.Closeable;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A sparse, fixed-entry-size index file searched by binary search, shared by {@link OffsetIndex}
 * and {@link TimeIndex}. The file of the active segment is pre-allocated to {@code maxIndexSize}
 * and memory-mapped read-write; when the segment stops being active the file is trimmed to its
 * entries. A sealed index is mapped read-only the first time it is searched, so a log with
 * thousands of old segments does not hold thousands of mappings.
 *
 * <p>Pre-allocation only sets the file's length, so the file is sparse: a store through the mapping
 * into a hole needs a block from the file system, and on a full disk the kernel answers the page
 * fault with SIGBUS instead of an error code. So an entry is never stored into a hole: before the
 * entries reach past {@link #backedBytes}, the next {@link #BACKING_CHUNK} bytes are written with
 * zeros through a file channel, where a full disk is an ordinary {@link IOException}.
 *
 * <p>Entries are appended in key order and never rewritten; truncation only lowers the entry count.
 * There is no checksum: after a crash the log rebuilds the indexes of every segment it recovers.
 *
 * <p>Thread-safety: one writer (the log's append path, holding the log's lock) and any number of
 * concurrent searchers. {@link #lock} guards {@link #mmap}: searches hold the read lock so that a
 * remap (trim, resize, close) never pulls the mapping from under them; mutations hold the write
 * lock. {@link #entries} is volatile so searchers see appended entries without the lock's help.
 */
abstract class MappedIndex implements Closeable {
    protected final long baseOffset;
    private final int entrySize;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private volatile Path file;
    /** Guarded by {@link #lock}; null while not mapped. */
    private MappedByteBuffer mmap;
    /** Guarded by {@link #lock}: whether {@link #mmap} spans the pre-allocated, writable length. */
    private boolean writable;
    private int maxEntries;
    private volatile int entries;
    private boolean closed;
    /** Bytes from the file's start that are known to have blocks (written, not a hole); -1 until first needed. */
    private long backedBytes = -1;

    /** How much of the pre-allocated file is written with zeros at a time, ahead of the entries. */
    static final int BACKING_CHUNK = 4096;

    /**
     * Opens or creates the index.
     *
     * @param writable pre-allocate the file to {@code maxIndexSize} and map it for appends, as for
     *                 the active segment; otherwise map read-only on first use
     */
    protected MappedIndex(Path file, long baseOffset, int maxIndexSize, boolean writable, int entrySize) {
        if (maxIndexSize < entrySize) {
            throw new IllegalArgumentException("max index size " + maxIndexSize + " is below one entry ("
                + entrySize + " bytes) for " + file);
        }
        this.file = file;
        this.baseOffset = baseOffset;
        this.entrySize = entrySize;
        try {
            long length = Files.exists(file) ? Files.size(file) : 0;
            this.entries = (int) Math.min(Integer.MAX_VALUE, length / entrySize);
            this.maxEntries = entries;
            if (writable) {
                resize(maxIndexSize);
            } else if (!Files.exists(file)) {
                Files.createFile(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot open index " + file, e);
        }
    }

    public Path file() {
        return file;
    }

    public long baseOffset() {
        return baseOffset;
    }

    public int entries() {
        return entries;
    }

    public int maxEntries() {
        return maxEntries;
    }

    public boolean isFull() {
        return entries >= maxEntries;
    }

    /** Bytes the entries occupy (not the pre-allocated length). */
    public long sizeInBytes() {
        return (long) entries * entrySize;
    }

    /**
     * Sets the file length to {@code newSize} rounded down to whole entries (never below the
     * entries it holds) and maps it read-write: pre-allocation for an active segment.
     */
    public final void resize(int newSize) {
        lock.writeLock().lock();
        try {
            int rounded = Math.max(entries, newSize / entrySize) * entrySize;
            remap(rounded, true);
            maxEntries = rounded / entrySize;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Shrinks the file to exactly its entries and drops the mapping: the segment is sealed. */
    public final void trimToValidSize() {
        lock.writeLock().lock();
        try {
            unmapLocked();
            try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
                raf.setLength((long) entries * entrySize);
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot trim index " + file, e);
            }
            maxEntries = entries;
            backedBytes = Math.min(backedBytes, (long) entries * entrySize);
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Drops all entries. */
    public final void reset() {
        truncateToEntries(0);
    }

    protected final void truncateToEntries(int count) {
        lock.writeLock().lock();
        try {
            entries = Math.min(entries, Math.max(0, count));
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Forces written entries to disk. Not needed for correctness (indexes are rebuilt after a crash). */
    public final void flush() {
        lock.readLock().lock();
        try {
            if (mmap != null && writable) {
                mmap.force();
            }
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Renames the file, for example to mark it deleted; the mapping stays valid. */
    public final void renameTo(Path target) {
        try {
            Files.move(file, target, StandardCopyOption.REPLACE_EXISTING);
            file = target;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot rename index " + file + " to " + target, e);
        }
    }

    /** Unmaps and deletes the file. */
    public final void deleteIfExists() {
        close();
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot delete index " + file, e);
        }
    }

    /** Releases the mapping; the file stays as it is. Idempotent. */
    @Override
    public final void close() {
        lock.writeLock().lock();
        try {
            unmapLocked();
            closed = true;
        } finally {
            lock.writeLock().unlock();
        }
    }

    // ---------------------------------------------------------------- for subclasses

    /** Appends one entry written by {@code writer} at the end; the caller has checked ordering. */
    protected final void appendEntry(EntryWriter writer) {
        lock.writeLock().lock();
        try {
            if (entries >= maxEntries) {
                throw new IllegalStateException("Index " + file + " is full (" + maxEntries + " entries)");
            }
            MappedByteBuffer buffer = writableMapLocked();
            int at = entries * entrySize;
            ensureBackedLocked(at + entrySize, buffer.capacity());
            try {
                writer.write(buffer, at);
            } catch (InternalError e) {
                // The JVM's answer to SIGBUS in a mapped store: a fault the backing write above should
                // prevent, reported as the I/O error it is rather than taking the thread down.
                throw new UncheckedIOException(new IOException("Cannot write index " + file + ": " + e.getMessage(), e));
            }
            entries = entries + 1;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * Runs {@code search} with the mapping and the entry count while no remap can happen.
     * An empty index is never mapped: {@code search} then gets a null buffer and 0 entries.
     */
    protected final <T> T withEntries(Search<T> search) {
        lock.readLock().lock();
        try {
            int n = entries;
            if (n > 0 && mmap != null) {
                return search.apply(mmap, n);
            }
        } finally {
            lock.readLock().unlock();
        }
        if (entries == 0) {
            return search.apply(null, 0);
        }
        // Sealed index not mapped yet: map it under the write lock, then search under the read lock.
        lock.writeLock().lock();
        try {
            if (mmap == null) {
                remap((long) entries * entrySize, false);
            }
            lock.readLock().lock();
        } finally {
            lock.writeLock().unlock();
        }
        try {
            return search.apply(mmap, entries);
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * Index of the last entry whose key is {@code <= target}, or -1 if none is. Entries are sorted by
     * key, so this is a binary search over {@code count} slots.
     */
    protected final int largestLowerBoundSlot(MappedByteBuffer buffer, int count, long target) {
        if (count == 0 || key(buffer, 0) > target) {
            return -1;
        }
        int lo = 0;
        int hi = count - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (key(buffer, mid) <= target) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    /** Index of the first entry whose offset is {@code >= offset}, or {@code count} if none is. */
    protected final int firstSlotAtOrAboveOffset(MappedByteBuffer buffer, int count, long offset) {
        int lo = 0;
        int hi = count;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (offsetOf(buffer, mid) < offset) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    protected final int entrySize() {
        return entrySize;
    }

    /** The sort key of the entry at {@code slot}: an offset or a timestamp. */
    protected abstract long key(MappedByteBuffer buffer, int slot);

    /** The absolute offset of the entry at {@code slot}. */
    protected abstract long offsetOf(MappedByteBuffer buffer, int slot);

    /** Converts an absolute offset to this index's 4-byte relative form. */
    protected final int relativeOffset(long offset) {
        long relative = offset - baseOffset;
        if (relative < 0 || relative > Integer.MAX_VALUE) {
            throw new OffsetOverflowException(baseOffset, offset);
        }
        return (int) relative;
    }

    @FunctionalInterface
    protected interface EntryWriter {
        void write(MappedByteBuffer buffer, int position);
    }

    @FunctionalInterface
    protected interface Search<T> {
        T apply(MappedByteBuffer buffer, int entries);
    }

    // ---------------------------------------------------------------- mapping

    private MappedByteBuffer writableMapLocked() {
        if (mmap == null || !writable) {
            remap(Math.max((long) maxEntries * entrySize, (long) (entries + 1) * entrySize), true);
        }
        return mmap;
    }

    /**
     * Writes zeros through a file channel over the hole from {@link #backedBytes} up to a chunk past
     * {@code end} (never past {@code mapped}), so the mapped store that follows has a block to land in.
     */
    private void ensureBackedLocked(long end, long mapped) {
        if (backedBytes < 0) {
            backedBytes = (long) entries * entrySize; // entries were written, so their bytes are backed
        }
        if (end <= backedBytes) {
            return;
        }
        long target = Math.min(mapped, (end + BACKING_CHUNK - 1) / BACKING_CHUNK * BACKING_CHUNK);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ByteBuffer zeros = ByteBuffer.allocate((int) (target - backedBytes));
            long at = backedBytes;
            while (zeros.hasRemaining()) {
                at += channel.write(zeros, at);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot allocate space for index " + file + " (disk full?)", e);
        }
        backedBytes = target;
    }

    private void remap(long length, boolean readWrite) {
        if (closed) {
            throw new IllegalStateException("Index " + file + " is closed");
        }
        unmapLocked();
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), readWrite ? "rw" : "r")) {
            if (readWrite) {
                raf.setLength(length);
                backedBytes = Math.min(backedBytes, length);
            }
            long mapLength = Math.min(length, raf.length());
            mmap = raf.getChannel().map(readWrite ? FileChannel.MapMode.READ_WRITE : FileChannel.MapMode.READ_ONLY,
                0, mapLength);
            writable = readWrite;
            if (!readWrite) {
                // A file shorter than its entry count (damaged) must not be read past its end.
                entries = (int) Math.min(entries, mapLength / entrySize);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot map index " + file, e);
        }
    }

    private void unmapLocked() {
        if (mmap != null) {
            MappedBuffers.unmap(mmap);
            mmap = null;
            writable = false;
        }
    }
}
