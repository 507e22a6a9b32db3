package io.runnel.record;

import com.github.luben.zstd.ZstdInputStream;
import com.github.luben.zstd.ZstdOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import net.jpountz.lz4.LZ4FrameInputStream;
import net.jpountz.lz4.LZ4FrameOutputStream;
import org.xerial.snappy.SnappyInputStream;
import org.xerial.snappy.SnappyOutputStream;

/**
 * How the records section of a batch is compressed, as one block. Ids and stream framings are
 * Kafka's, so batches are interchangeable with Kafka clients: gzip (RFC 1952), snappy in
 * snappy-java's stream framing, LZ4 frame format, zstd frame format.
 */
public enum CompressionType {
    NONE(0, "none"),
    GZIP(1, "gzip"),
    SNAPPY(2, "snappy"),
    LZ4(3, "lz4"),
    ZSTD(4, "zstd");

    private static final CompressionType[] BY_ID = values();

    private final int id;
    private final String label;

    CompressionType(int id, String label) {
        this.id = id;
        this.label = label;
    }

    /** The 3-bit id stored in a batch's attributes. */
    public int id() {
        return id;
    }

    /** The lower-case name used in configs and on the command line. */
    public String label() {
        return label;
    }

    /**
     * The codec with this id.
     *
     * @throws CorruptBatchException.UnknownCompressionException if no codec has this id
     */
    public static CompressionType forId(int id, long batchPosition) {
        if (id < 0 || id >= BY_ID.length) {
            throw new CorruptBatchException.UnknownCompressionException(batchPosition, id);
        }
        return BY_ID[id];
    }

    /**
     * The codec with this name, case-insensitive.
     *
     * @throws IllegalArgumentException naming the accepted values if none matches
     */
    public static CompressionType forName(String name) {
        for (CompressionType type : BY_ID) {
            if (type.label.equalsIgnoreCase(name)) {
                return type;
            }
        }
        throw new IllegalArgumentException("Unknown compression type '" + name
            + "': expected one of none, gzip, snappy, lz4, zstd");
    }

    /** Compresses {@code length} bytes of {@code src} from {@code offset} into a new array. */
    public byte[] compress(byte[] src, int offset, int length) {
        if (this == NONE) {
            return Arrays.copyOfRange(src, offset, offset + length);
        }
        Output out = compress(src, offset, length, 0);
        return Arrays.copyOf(out.array(), out.size());
    }

    /**
     * Compresses {@code length} bytes of {@code src} from {@code offset} into a new buffer whose
     * first {@code reserve} bytes are left free (for a batch header); the result's bytes are
     * {@code array()[0, size())}.
     */
    Output compress(byte[] src, int offset, int length, int reserve) {
        Output out = new Output(reserve + Math.max(64, length / 2));
        out.skip(reserve);
        try (OutputStream stream = wrapOutput(out)) {
            stream.write(src, offset, length);
        } catch (IOException e) {
            // Writing to memory cannot fail for I/O reasons; a codec failure is a bug, not bad input.
            throw new UncheckedIOException("Compression with " + label + " failed", e);
        }
        return out;
    }

    /** A growable byte array whose bytes are read in place, not copied out. */
    static final class Output extends ByteArrayOutputStream {
        Output(int capacity) {
            super(capacity);
        }

        void skip(int n) {
            write(new byte[n], 0, n);
        }

        byte[] array() {
            return buf;
        }
    }

    /** A stream that decompresses {@code in}, which must hold one whole compressed block. */
    InputStream wrapInput(InputStream in) throws IOException {
        return switch (this) {
            case NONE -> in;
            case GZIP -> new GZIPInputStream(in, 8192);
            case SNAPPY -> new SnappyInputStream(in);
            case LZ4 -> new LZ4FrameInputStream(in);
            case ZSTD -> new ZstdInputStream(in);
        };
    }

    private OutputStream wrapOutput(OutputStream out) throws IOException {
        return switch (this) {
            case NONE -> out;
            case GZIP -> new GZIPOutputStream(out, 8192);
            case SNAPPY -> new SnappyOutputStream(out);
            case LZ4 -> new LZ4FrameOutputStream(out, LZ4FrameOutputStream.BLOCKSIZE.SIZE_64KB);
            case ZSTD -> new ZstdOutputStream(out, 3);
        };
    }
}
