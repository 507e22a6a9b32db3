package io.runnel.record;

import java.nio.ByteBuffer;

/**
 * Zig-zag variable-length integers, as in protobuf's {@code sint32}/{@code sint64}: 7 bits a byte,
 * low groups first, the high bit set on every byte but the last.
 */
final class Varint {
    private Varint() {
    }

    static int sizeOfInt(int value) {
        int v = (value << 1) ^ (value >> 31);
        int bytes = 1;
        while ((v & 0xffffff80) != 0) {
            bytes++;
            v >>>= 7;
        }
        return bytes;
    }

    static int sizeOfLong(long value) {
        long v = (value << 1) ^ (value >> 63);
        int bytes = 1;
        while ((v & 0xffffffffffffff80L) != 0L) {
            bytes++;
            v >>>= 7;
        }
        return bytes;
    }

    static void writeInt(int value, ByteBuffer out) {
        int v = (value << 1) ^ (value >> 31);
        while ((v & 0xffffff80) != 0) {
            out.put((byte) ((v & 0x7f) | 0x80));
            v >>>= 7;
        }
        out.put((byte) v);
    }

    static void writeLong(long value, ByteBuffer out) {
        long v = (value << 1) ^ (value >> 63);
        while ((v & 0xffffffffffffff80L) != 0L) {
            out.put((byte) ((v & 0x7f) | 0x80));
            v >>>= 7;
        }
        out.put((byte) v);
    }

    /**
     * Reads a zig-zag varint of at most 5 bytes from {@code in}'s position.
     *
     * @throws IllegalArgumentException if it is longer than 5 bytes or runs past the limit
     */
    static int readInt(ByteBuffer in) {
        int raw = 0;
        int shift = 0;
        while (true) {
            if (!in.hasRemaining()) {
                throw new IllegalArgumentException("varint runs past the end of the records");
            }
            byte b = in.get();
            raw |= (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                break;
            }
            shift += 7;
            if (shift > 28) {
                throw new IllegalArgumentException("varint is longer than 5 bytes");
            }
        }
        return (raw >>> 1) ^ -(raw & 1);
    }

    /** Reads a zig-zag varlong of at most 10 bytes; see {@link #readInt}. */
    static long readLong(ByteBuffer in) {
        long raw = 0;
        int shift = 0;
        while (true) {
            if (!in.hasRemaining()) {
                throw new IllegalArgumentException("varlong runs past the end of the records");
            }
            byte b = in.get();
            raw |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                break;
            }
            shift += 7;
            if (shift > 63) {
                throw new IllegalArgumentException("varlong is longer than 10 bytes");
            }
        }
        return (raw >>> 1) ^ -(raw & 1);
    }
}
