package io.runnel.record;

import static io.runnel.record.RecordBatchLayout.*;

import io.runnel.record.CorruptBatchException.CrcMismatchException;
import io.runnel.record.CorruptBatchException.InvalidBatchLengthException;
import io.runnel.record.CorruptBatchException.InvalidRecordException;
import io.runnel.record.CorruptBatchException.RecordCountMismatchException;
import io.runnel.record.CorruptBatchException.TruncatedBatchException;
import io.runnel.record.CorruptBatchException.UnknownMagicException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * A flyweight over one record batch in a {@link ByteBuffer} (heap, direct or memory-mapped): reads
 * and rewrites header fields in place without copying the batch. Layout: {@link RecordBatchLayout}.
 *
 * <p>Getters trust the header; call {@link #validate()} first on bytes from outside (the network,
 * a file after a crash). The buffer's own position and limit are never changed. Not thread-safe;
 * a flyweight is cheap, so give each thread its own.
 */
public final class RecordBatch {
    private ByteBuffer buffer;
    private int offset;
    private long position;

    /** A flyweight not yet pointing at a batch; call {@link #wrap} before anything else. */
    public RecordBatch() {
    }

    /** A flyweight over the batch starting at {@code offset} of {@code buffer}. */
    public static RecordBatch of(ByteBuffer buffer, int offset) {
        return new RecordBatch().wrap(buffer, offset, offset);
    }

    /** A flyweight over the batch starting at {@code buffer}'s position. */
    public static RecordBatch of(ByteBuffer buffer) {
        return of(buffer, buffer.position());
    }

    /**
     * Points this flyweight at the batch at {@code offset} of {@code buffer}.
     *
     * @param position where the batch starts in the file or stream it came from, quoted in errors
     */
    public RecordBatch wrap(ByteBuffer buffer, int offset, long position) {
        // The format is big-endian whatever order the caller's buffer reads in; a duplicate shares
        // the bytes, so in-place rewrites still reach the caller's buffer.
        this.buffer = buffer.order() == java.nio.ByteOrder.BIG_ENDIAN ? buffer : buffer.duplicate().order(java.nio.ByteOrder.BIG_ENDIAN);
        this.offset = offset;
        this.position = position;
        return this;
    }

    public ByteBuffer buffer() {
        return buffer;
    }

    /** Index of the batch's first byte in {@link #buffer()}. */
    public int offset() {
        return offset;
    }

    // ---------------------------------------------------------------- header fields

    public long baseOffset() {
        return buffer.getLong(offset + BASE_OFFSET_OFFSET);
    }

    /** Rewrites the base offset in place; the CRC stays valid since it does not cover it. */
    public void baseOffset(long value) {
        buffer.putLong(offset + BASE_OFFSET_OFFSET, value);
    }

    /** Bytes after the length field; see {@link #sizeInBytes()}. */
    public int batchLength() {
        return buffer.getInt(offset + LENGTH_OFFSET);
    }

    /** Bytes the whole batch occupies, header included. */
    public int sizeInBytes() {
        return LOG_OVERHEAD + batchLength();
    }

    public int partitionLeaderEpoch() {
        return buffer.getInt(offset + PARTITION_LEADER_EPOCH_OFFSET);
    }

    /** Stamps the leader epoch in place; the CRC stays valid since it does not cover it. */
    public void partitionLeaderEpoch(int value) {
        buffer.putInt(offset + PARTITION_LEADER_EPOCH_OFFSET, value);
    }

    public byte magic() {
        return buffer.get(offset + MAGIC_OFFSET);
    }

    /** The stored CRC-32C, unsigned. */
    public long crc() {
        return Integer.toUnsignedLong(buffer.getInt(offset + CRC_OFFSET));
    }

    public short attributes() {
        return buffer.getShort(offset + ATTRIBUTES_OFFSET);
    }

    /** @throws CorruptBatchException.UnknownCompressionException if the codec id is unknown */
    public CompressionType compression() {
        return CompressionType.forId(attributes() & COMPRESSION_CODEC_MASK, position);
    }

    public TimestampType timestampType() {
        return (attributes() & TIMESTAMP_TYPE_MASK) == 0 ? TimestampType.CREATE_TIME : TimestampType.LOG_APPEND_TIME;
    }

    public boolean isTransactional() {
        return (attributes() & TRANSACTIONAL_FLAG_MASK) != 0;
    }

    public boolean isControl() {
        return (attributes() & CONTROL_FLAG_MASK) != 0;
    }

    public int lastOffsetDelta() {
        return buffer.getInt(offset + LAST_OFFSET_DELTA_OFFSET);
    }

    /** Offset of the batch's last record. */
    public long lastOffset() {
        return baseOffset() + lastOffsetDelta();
    }

    /** The offset after this batch's last record. */
    public long nextOffset() {
        return lastOffset() + 1;
    }

    public long baseTimestamp() {
        return buffer.getLong(offset + BASE_TIMESTAMP_OFFSET);
    }

    /** Largest record timestamp, or the append time under {@link TimestampType#LOG_APPEND_TIME}. */
    public long maxTimestamp() {
        return buffer.getLong(offset + MAX_TIMESTAMP_OFFSET);
    }

    public long producerId() {
        return buffer.getLong(offset + PRODUCER_ID_OFFSET);
    }

    public short producerEpoch() {
        return buffer.getShort(offset + PRODUCER_EPOCH_OFFSET);
    }

    public int baseSequence() {
        return buffer.getInt(offset + BASE_SEQUENCE_OFFSET);
    }

    /** Sequence of the batch's last record, wrapping at Integer.MAX_VALUE as Kafka's does. */
    public int lastSequence() {
        int base = baseSequence();
        if (base == NO_SEQUENCE) {
            return NO_SEQUENCE;
        }
        long last = (long) base + lastOffsetDelta();
        return (int) (last > Integer.MAX_VALUE ? last - Integer.MAX_VALUE - 1 : last);
    }

    public int recordCount() {
        return buffer.getInt(offset + RECORDS_COUNT_OFFSET);
    }

    /**
     * Marks the batch as stamped with the leader's clock: sets the timestamp type and the max
     * timestamp, then recomputes the CRC (both fields are covered by it).
     */
    public void stampLogAppendTime(long appendTime) {
        buffer.putShort(offset + ATTRIBUTES_OFFSET, (short) (attributes() | TIMESTAMP_TYPE_MASK));
        buffer.putLong(offset + MAX_TIMESTAMP_OFFSET, appendTime);
        buffer.putInt(offset + CRC_OFFSET, (int) computeCrc());
    }

    /**
     * Renumbers an idempotent producer's batch in place (its producer id, epoch and base sequence),
     * then recomputes the CRC: a producer whose partition moved to a new epoch renumbers a built
     * batch it knows was not written, without building its records again.
     */
    public void stampProducer(long producerId, short producerEpoch, int baseSequence) {
        if (producerId < 0 || producerEpoch < 0 || baseSequence < 0) {
            throw new IllegalArgumentException("producer id, epoch and base sequence must be >= 0, got "
                + producerId + ", " + producerEpoch + ", " + baseSequence);
        }
        buffer.putLong(offset + PRODUCER_ID_OFFSET, producerId);
        buffer.putShort(offset + PRODUCER_EPOCH_OFFSET, producerEpoch);
        buffer.putInt(offset + BASE_SEQUENCE_OFFSET, baseSequence);
        buffer.putInt(offset + CRC_OFFSET, (int) computeCrc());
    }

    // ---------------------------------------------------------------- validation

    /** CRC-32C of the bytes from the attributes to the end of the batch, as the header says it is long. */
    public long computeCrc() {
        CRC32C crc = new CRC32C();
        ByteBuffer covered = buffer.duplicate();
        covered.limit(offset + sizeInBytes()).position(offset + ATTRIBUTES_OFFSET);
        crc.update(covered);
        return crc.getValue();
    }

    /**
     * Checks that the bytes from {@link #offset()} to the buffer's limit start with a whole,
     * intact batch: header present, a sane length, the batch complete, the known magic, a matching
     * CRC and a known codec. Records are checked when they are decoded ({@link #records()}).
     *
     * @throws CorruptBatchException (a subclass naming the fault) on the first problem found
     */
    public void validate() {
        validateFraming(buffer, offset, buffer.limit() - offset, position);
        long stored = crc();
        long computed = computeCrc();
        if (stored != computed) {
            throw new CrcMismatchException(position, stored, computed);
        }
        compression();
        if (recordCount() < 0) {
            throw new RecordCountMismatchException(position, recordCount(), 0, "a record count cannot be negative");
        }
    }

    /**
     * Checks that {@code available} bytes from {@code offset} hold a whole batch of the known magic,
     * without looking at the CRC: what a reader needs to step from one batch to the next.
     *
     * @return the size of the batch in bytes
     * @throws TruncatedBatchException      if the header or the batch is cut short
     * @throws InvalidBatchLengthException  if the length field is below the header size
     * @throws UnknownMagicException        if the magic byte is not {@link RecordBatchLayout#MAGIC}
     */
    public static int validateFraming(ByteBuffer buffer, int offset, int available, long position) {
        if (buffer.order() != java.nio.ByteOrder.BIG_ENDIAN) {
            buffer = buffer.duplicate().order(java.nio.ByteOrder.BIG_ENDIAN);
        }
        if (available < LOG_OVERHEAD) {
            throw new TruncatedBatchException(position, LOG_OVERHEAD, Math.max(available, 0));
        }
        int batchLength = buffer.getInt(offset + LENGTH_OFFSET);
        if (batchLength < MIN_BATCH_LENGTH) {
            throw new InvalidBatchLengthException(position, batchLength);
        }
        int size = LOG_OVERHEAD + batchLength;
        if (size < 0 || available < MAGIC_OFFSET + MAGIC_LENGTH) {
            throw new TruncatedBatchException(position, size < 0 ? Integer.MAX_VALUE : size, available);
        }
        byte magic = buffer.get(offset + MAGIC_OFFSET);
        if (magic != MAGIC) {
            throw new UnknownMagicException(position, magic);
        }
        if (available < size) {
            throw new TruncatedBatchException(position, size, available);
        }
        return size;
    }

    // ---------------------------------------------------------------- records

    /**
     * Decodes every record, decompressing the records block if needed.
     *
     * @throws RecordCountMismatchException if the payload holds more or fewer records than declared
     * @throws InvalidRecordException       if a record is malformed or the block does not decompress
     */
    public List<Record> records() {
        return records(DEFAULT_MAX_UNCOMPRESSED_BYTES);
    }

    /** The most a compressed records block may expand to by default: 256 MiB. */
    public static final int DEFAULT_MAX_UNCOMPRESSED_BYTES = 256 << 20;

    /**
     * {@link #records()} with a cap on the decompressed size, so a small "compression bomb" cannot
     * exhaust the heap.
     *
     * @throws CorruptBatchException.DecompressedTooLargeException if the block expands past
     *                                  {@code maxUncompressedBytes} (nothing more is decompressed)
     */
    public List<Record> records(int maxUncompressedBytes) {
        int count = recordCount();
        if (count < 0) {
            throw new RecordCountMismatchException(position, count, 0, "a record count cannot be negative");
        }
        ByteBuffer payload = uncompressedRecords(maxUncompressedBytes);
        // Each record takes at least 7 bytes, so a huge declared count cannot make us allocate much.
        List<Record> records = new ArrayList<>(Math.min(count, payload.remaining() / 7 + 1));
        long baseOffset = baseOffset();
        long baseTimestamp = baseTimestamp();
        boolean appendTime = timestampType() == TimestampType.LOG_APPEND_TIME;
        long appendTimestamp = maxTimestamp();
        int lastDelta = lastOffsetDelta();
        long previousOffset = baseOffset - 1;
        for (int i = 0; i < count; i++) {
            if (!payload.hasRemaining()) {
                throw new RecordCountMismatchException(position, count, i, "holds only " + i);
            }
            Record r = readRecord(payload, baseOffset, baseTimestamp, i);
            // Offsets increase within a batch and stay within its header's range (gaps are legal:
            // compaction leaves them).
            if (r.offset() <= previousOffset || r.offset() > baseOffset + lastDelta) {
                throw new InvalidRecordException(position, "record " + i + " has offset delta " + (r.offset() - baseOffset)
                    + ", not above the previous one and at most the last offset delta " + lastDelta);
            }
            previousOffset = r.offset();
            records.add(appendTime ? new Record(r.offset(), appendTimestamp, r.key(), r.value(), r.headers()) : r);
        }
        if (payload.hasRemaining()) {
            throw new RecordCountMismatchException(position, count, count,
                "has " + payload.remaining() + " bytes left after record " + count);
        }
        return records;
    }

    private ByteBuffer uncompressedRecords(int maxUncompressedBytes) {
        ByteBuffer block = buffer.duplicate();
        block.limit(offset + sizeInBytes()).position(offset + RECORDS_OFFSET);
        CompressionType compression = compression();
        if (compression == CompressionType.NONE) {
            return block.slice();
        }
        try (InputStream in = compression.wrapInput(new ByteBufferInputStream(block))) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(256, Math.min(block.remaining() * 2, maxUncompressedBytes)));
            byte[] chunk = new byte[8192];
            for (int n; (n = in.read(chunk)) > 0; ) {
                if (out.size() + (long) n > maxUncompressedBytes) {
                    throw new CorruptBatchException.DecompressedTooLargeException(position, maxUncompressedBytes, compression);
                }
                out.write(chunk, 0, n);
            }
            return ByteBuffer.wrap(out.toByteArray());
        } catch (InvalidRecordException | CorruptBatchException.DecompressedTooLargeException e) {
            throw e;
        } catch (IOException | RuntimeException | org.xerial.snappy.SnappyError e) {
            // Codecs signal bad input with assorted IOExceptions and RuntimeExceptions, and snappy-java
            // with SnappyError (an Error) for a bad chunk length; other Errors (out of memory) propagate.
            throw new InvalidRecordException(position, "records block does not decompress with "
                + compression.label() + ": " + e, e);
        }
    }

    private Record readRecord(ByteBuffer in, long baseOffset, long baseTimestamp, int index) {
        try {
            int length = Varint.readInt(in);
            if (length < 0 || length > in.remaining()) {
                throw new InvalidRecordException(position, "record " + index + " has length " + length
                    + " but " + in.remaining() + " bytes remain");
            }
            int end = in.position() + length;
            ByteBuffer rec = in.duplicate();
            rec.limit(end);
            rec.get(); // attributes: unused
            long timestampDelta = Varint.readLong(rec);
            int offsetDelta = Varint.readInt(rec);
            byte[] key = readBytes(rec, "key", index);
            byte[] value = readBytes(rec, "value", index);
            int headerCount = Varint.readInt(rec);
            if (headerCount < 0) {
                throw new InvalidRecordException(position, "record " + index + " has a negative header count " + headerCount);
            }
            List<Header> headers = headerCount == 0 ? List.of() : new ArrayList<>(Math.min(headerCount, rec.remaining()));
            for (int h = 0; h < headerCount; h++) {
                byte[] headerKey = readBytes(rec, "header key", index);
                if (headerKey == null) {
                    throw new InvalidRecordException(position, "record " + index + " has a header with a null key");
                }
                headers.add(new Header(new String(headerKey, StandardCharsets.UTF_8), readBytes(rec, "header value", index)));
            }
            if (rec.hasRemaining()) {
                throw new InvalidRecordException(position, "record " + index + " declares " + length
                    + " bytes but its fields end " + rec.remaining() + " bytes early");
            }
            in.position(end);
            return new Record(baseOffset + offsetDelta, baseTimestamp + timestampDelta, key, value, headers);
        } catch (IllegalArgumentException | java.nio.BufferUnderflowException e) {
            throw new InvalidRecordException(position, "record " + index + " is malformed: " + e.getMessage(), e);
        }
    }

    private byte[] readBytes(ByteBuffer in, String what, int index) {
        int length = Varint.readInt(in);
        if (length == -1) {
            return null;
        }
        if (length < -1 || length > in.remaining()) {
            throw new InvalidRecordException(position, "record " + index + " has " + what + " length " + length
                + " but " + in.remaining() + " bytes remain");
        }
        byte[] bytes = new byte[length];
        in.get(bytes);
        return bytes;
    }

    @Override
    public String toString() {
        return "RecordBatch[baseOffset=" + baseOffset() + ", lastOffset=" + lastOffset() + ", size=" + sizeInBytes()
            + ", epoch=" + partitionLeaderEpoch() + ", records=" + recordCount() + "]";
    }

    /** Reads a buffer's remaining bytes without copying them first. */
    private static final class ByteBufferInputStream extends InputStream {
        private final ByteBuffer buf;

        ByteBufferInputStream(ByteBuffer buf) {
            this.buf = buf;
        }

        @Override
        public int read() {
            return buf.hasRemaining() ? buf.get() & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (len == 0) {
                return 0;
            }
            if (!buf.hasRemaining()) {
                return -1;
            }
            int n = Math.min(len, buf.remaining());
            buf.get(b, off, n);
            return n;
        }

        @Override
        public int available() {
            return buf.remaining();
        }
    }
}
