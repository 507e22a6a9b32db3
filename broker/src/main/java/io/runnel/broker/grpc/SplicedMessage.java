package io.runnel.broker.grpc;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.MessageLite;
import com.google.protobuf.WireFormat;
import io.runnel.log.FileSlice;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A protobuf message to be written with some {@code bytes} fields taken straight from files: a head
 * (every other field, encoded by the stock protobuf code) followed by parts, each a nested message
 * or a {@link FileSlice}, written as length-delimited fields (tag, varint length, bytes). Protobuf
 * parsers accept fields in any order, so the bytes parse as the message the stock code would give.
 * Lengths are computed when the message is built; the files are read only when it is written.
 */
public final class SplicedMessage {
    private static final int CHUNK = 64 * 1024;
    /** The most bytes a field's tag and length take (5 + 5 varint bytes). */
    private static final int PREFIX_MAX = 10;

    /** One length-delimited field after the head: a nested message or a slice of a file. */
    private record Part(int fieldNumber, SplicedMessage nested, FileSlice slice) {
        int bodyLength() {
            return nested != null ? nested.length : slice.size();
        }

        int encodedLength() {
            return CodedOutputStream.computeTagSize(fieldNumber) + CodedOutputStream.computeUInt32SizeNoTag(bodyLength())
                + bodyLength();
        }
    }

    private final byte[] head;
    private final List<Part> parts = new ArrayList<>();
    private int length;
    /** The largest file slice in this message and the ones nested in it: sizes the copy buffer. */
    private int largestSlice;

    private SplicedMessage(byte[] head) {
        this.head = head;
        this.length = head.length;
    }

    /** A message whose fields so far are those of {@code head} (its spliced fields left unset). */
    public static SplicedMessage of(MessageLite head) {
        return new SplicedMessage(head.toByteArray());
    }

    /** Already encoded bytes, as they are (what a client reading with this marshaller gets). */
    static SplicedMessage ofEncoded(byte[] encoded) {
        return new SplicedMessage(encoded);
    }

    /** Appends {@code nested} as field {@code fieldNumber}; call after nested is complete. */
    public SplicedMessage add(int fieldNumber, SplicedMessage nested) {
        return add(new Part(fieldNumber, nested, null));
    }

    /** Appends {@code slice}'s bytes as {@code bytes} field {@code fieldNumber}; an empty slice is left out. */
    public SplicedMessage add(int fieldNumber, FileSlice slice) {
        return slice.size() == 0 ? this : add(new Part(fieldNumber, null, slice));
    }

    private SplicedMessage add(Part part) {
        long grown = (long) length + part.encodedLength();
        if (grown > Integer.MAX_VALUE) {
            throw new IllegalStateException("message over 2 GiB");
        }
        parts.add(part);
        length = (int) grown;
        largestSlice = Math.max(largestSlice, part.nested != null ? part.nested.largestSlice : part.slice.size());
        return this;
    }

    /** Bytes in the encoding. */
    public int length() {
        return length;
    }

    /** Writes the encoding; a file that cannot be read in full fails with an IOException. */
    void writeTo(OutputStream out) throws IOException {
        // Sized by the largest slice: a long poll answered with one small batch (the common case at
        // the tail) allocated a whole 64 KiB chunk per answer, most of a leader's garbage in
        // workload e, and young collections paused every node several times per second.
        writeTo(out, new byte[Math.max(PREFIX_MAX, Math.min(CHUNK, largestSlice))]);
    }

    private void writeTo(OutputStream out, byte[] chunk) throws IOException {
        out.write(head);
        for (Part part : parts) {
            int n = writeVarint(chunk, 0, part.fieldNumber << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED);
            n = writeVarint(chunk, n, part.bodyLength());
            out.write(chunk, 0, n);
            if (part.nested != null) {
                part.nested.writeTo(out, chunk);
            } else {
                copy(part.slice, out, chunk);
            }
        }
    }

    /** Writes {@code value} as an unsigned varint at {@code at}; returns the index after it. */
    private static int writeVarint(byte[] into, int at, int value) {
        while ((value & ~0x7F) != 0) {
            into[at++] = (byte) ((value & 0x7F) | 0x80);
            value >>>= 7;
        }
        into[at++] = (byte) value;
        return at;
    }

    /** The slice's bytes from its file into {@code out}, one chunk at a time. */
    private static void copy(FileSlice slice, OutputStream out, byte[] chunk) throws IOException {
        long at = slice.position();
        long end = at + slice.size();
        while (at < end) {
            ByteBuffer window = ByteBuffer.wrap(chunk, 0, (int) Math.min(chunk.length, end - at));
            while (window.hasRemaining()) {
                int n = slice.channel().read(window, at + window.position());
                if (n < 0) {
                    throw new IOException("log file ended at " + (at + window.position()) + " inside a slice of "
                        + slice.size() + " bytes at " + slice.position());
                }
            }
            out.write(chunk, 0, window.position());
            at += window.position();
        }
    }
}
