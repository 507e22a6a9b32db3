package io.runnel.log;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;

/**
 * A run of whole record batches in a segment's log file, handed out by reads without copying the
 * bytes: the transport decides whether to {@link #transferTo} a channel (sendfile), map it, or
 * {@link #readInto} a buffer. The slice stays readable for {@code file.delete.delay.ms} after its
 * segment is removed by retention; after that, reads fail with an I/O error.
 *
 * @param channel  the segment's log file, shared; never close it
 * @param position where the first batch starts in the file
 * @param size     bytes in the slice; 0 for an empty read
 */
public record FileSlice(FileChannel channel, long position, int size) {
    public static final FileSlice EMPTY = new FileSlice(null, 0, 0);

    /** Copies the slice into {@code dst} from its position; dst needs {@link #size()} bytes free. */
    public void readInto(ByteBuffer dst) {
        if (dst.remaining() < size) {
            throw new IllegalArgumentException("buffer has " + dst.remaining() + " bytes free, slice needs " + size);
        }
        ByteBuffer window = dst.duplicate();
        window.limit(window.position() + size);
        try {
            long at = position;
            while (window.hasRemaining()) {
                int n = channel.read(window, at);
                if (n < 0) {
                    throw new IOException("unexpected end of file at " + at);
                }
                at += n;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + size + " bytes at " + position, e);
        }
        dst.position(dst.position() + size);
    }

    /** The slice's bytes in a new heap buffer, position 0. */
    public ByteBuffer toByteBuffer() {
        ByteBuffer buffer = ByteBuffer.allocate(size);
        if (size > 0) {
            readInto(buffer);
        }
        return buffer.flip();
    }

    /** Writes the slice to {@code target}, letting the kernel copy file to socket where it can. */
    public long transferTo(WritableByteChannel target) throws IOException {
        long done = 0;
        while (done < size) {
            long n = channel.transferTo(position + done, size - done, target);
            if (n <= 0) {
                throw new IOException("transfer stalled at " + (position + done));
            }
            done += n;
        }
        return done;
    }
}
