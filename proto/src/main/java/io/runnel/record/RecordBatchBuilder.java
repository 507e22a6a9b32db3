package io.runnel.record;

import static io.runnel.record.RecordBatchLayout.*;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.zip.CRC32C;

/**
 * Builds one record batch: append records, then {@link #build()} compresses the records block,
 * writes the header and the CRC. The base offset written is the one set here (0 by default): a
 * producer leaves it, the partition leader rewrites it on append.
 *
 * <p>The records are encoded once, behind room left for the header, into one buffer sized by the
 * caller's estimate: an uncompressed batch is built in place (the header written in front of the
 * records, no copy), a compressed one is compressed into a second buffer that again leaves room for
 * the header.
 *
 * <p>Bad arguments throw {@link IllegalArgumentException} naming the field; nothing is appended
 * then. Not thread-safe; one builder makes one batch.
 */
public final class RecordBatchBuilder {
    private final CompressionType compression;
    private final BatchBuffers buffers;
    /** The batch being built: {@code HEADER_SIZE} bytes left for the header, then the records so far. */
    private ByteBuffer records;
    private long baseOffset;
    private int partitionLeaderEpoch = NO_PARTITION_LEADER_EPOCH;
    private long producerId = NO_PRODUCER_ID;
    private short producerEpoch = NO_PRODUCER_EPOCH;
    private int baseSequence = NO_SEQUENCE;
    private boolean transactional;
    private int recordCount;
    private long baseTimestamp = NO_TIMESTAMP;
    private long maxTimestamp = NO_TIMESTAMP;
    private boolean built;
    /** The built batch no longer needs {@link #records}: it went back to {@link #buffers}. */
    private boolean released;
    private int uncompressedSize;
    private int nextOffsetDelta;
    private int lastOffsetDelta = -1;

    public RecordBatchBuilder(CompressionType compression) {
        this(compression, 1024);
    }

    /**
     * @param expectedSize bytes the batch will likely take uncompressed (a producer's batch size):
     *                     room for them is taken at once, so appends do not regrow and copy; more
     *                     records than that still fit (the buffer grows)
     */
    public RecordBatchBuilder(CompressionType compression, int expectedSize) {
        this(compression, expectedSize, BatchBuffers.HEAP);
    }

    /**
     * A builder whose buffers come from, and go back to, {@code buffers}: an outgrown one as it
     * grows, a compressed batch's records once compressed, and the built batch's on
     * {@link #release()}.
     */
    public RecordBatchBuilder(CompressionType compression, int expectedSize, BatchBuffers buffers) {
        this.compression = Objects.requireNonNull(compression, "compression must not be null");
        this.buffers = Objects.requireNonNull(buffers, "buffers must not be null");
        if (expectedSize < 0) {
            throw new IllegalArgumentException("expected batch size must be >= 0, got " + expectedSize);
        }
        this.records = buffers.take(Math.max(HEADER_SIZE + 64, expectedSize));
        this.records.position(HEADER_SIZE);
    }

    public RecordBatchBuilder baseOffset(long baseOffset) {
        if (baseOffset < 0) {
            throw new IllegalArgumentException("baseOffset must be >= 0, got " + baseOffset);
        }
        this.baseOffset = baseOffset;
        return this;
    }

    public RecordBatchBuilder partitionLeaderEpoch(int epoch) {
        this.partitionLeaderEpoch = epoch;
        return this;
    }

    /** Marks the batch as written by an idempotent producer: its id, epoch and first sequence. */
    public RecordBatchBuilder producer(long producerId, short producerEpoch, int baseSequence) {
        if (producerId < 0 || producerEpoch < 0 || baseSequence < 0) {
            throw new IllegalArgumentException("producer id, epoch and base sequence must be >= 0, got "
                + producerId + ", " + producerEpoch + ", " + baseSequence);
        }
        this.producerId = producerId;
        this.producerEpoch = producerEpoch;
        this.baseSequence = baseSequence;
        return this;
    }

    public RecordBatchBuilder transactional(boolean transactional) {
        this.transactional = transactional;
        return this;
    }

    /** Appends a record with no headers. */
    public RecordBatchBuilder append(long timestamp, byte[] key, byte[] value) {
        return append(timestamp, key, value, List.of());
    }

    /**
     * Appends a record; its offset delta is the number of records before it.
     *
     * @param timestamp milliseconds since the epoch, {@code >= 0}
     * @param key       may be null
     * @param value     may be null (a tombstone on compacted topics)
     * @throws IllegalArgumentException for a negative timestamp or a null header list
     */
    public RecordBatchBuilder append(long timestamp, byte[] key, byte[] value, List<Header> headers) {
        return appendAt(nextOffsetDelta, timestamp, key, value, headers);
    }

    /**
     * Appends a record at an explicit offset, leaving gaps (as compaction does when it rewrites a
     * batch without the records a newer one replaced).
     *
     * @param offset at or above {@link #baseOffset} and above the previous record's
     * @throws IllegalArgumentException for an offset out of order or too far from the base offset
     */
    public RecordBatchBuilder appendWithOffset(long offset, long timestamp, byte[] key, byte[] value, List<Header> headers) {
        long delta = offset - baseOffset;
        if (delta < nextOffsetDelta || delta > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("record offset " + offset + " must be above the previous record's and at most "
                + Integer.MAX_VALUE + " past the base offset " + baseOffset);
        }
        return appendAt((int) delta, timestamp, key, value, headers);
    }

    /**
     * Keeps the header's last offset delta at {@code delta} even if the last record is gone, so the
     * batch still covers the offsets (and producer sequences) it did.
     *
     * @throws IllegalArgumentException if it is below the last appended record's delta
     */
    public RecordBatchBuilder lastOffsetDelta(int delta) {
        if (delta < nextOffsetDelta - 1) {
            throw new IllegalArgumentException("last offset delta " + delta + " is below the last record's " + (nextOffsetDelta - 1));
        }
        this.lastOffsetDelta = delta;
        return this;
    }

    private RecordBatchBuilder appendAt(int offsetDelta, long timestamp, byte[] key, byte[] value, List<Header> headers) {
        if (built) {
            throw new IllegalStateException("batch already built");
        }
        if (timestamp < 0) {
            throw new IllegalArgumentException("record timestamp must be >= 0, got " + timestamp);
        }
        Objects.requireNonNull(headers, "headers must not be null (use an empty list)");
        if (recordCount == 0) {
            baseTimestamp = timestamp;
        }
        long timestampDelta = timestamp - baseTimestamp;
        byte[][] headerKeys = new byte[headers.size()][];
        int bodySize = 1 + Varint.sizeOfLong(timestampDelta) + Varint.sizeOfInt(offsetDelta)
            + sizeOfBytes(key) + sizeOfBytes(value) + Varint.sizeOfInt(headers.size());
        for (int i = 0; i < headerKeys.length; i++) {
            headerKeys[i] = headers.get(i).key().getBytes(StandardCharsets.UTF_8);
            bodySize += sizeOfBytes(headerKeys[i]) + sizeOfBytes(headers.get(i).value());
        }
        ensureCapacity(Varint.sizeOfInt(bodySize) + bodySize);
        Varint.writeInt(bodySize, records);
        records.put((byte) 0);
        Varint.writeLong(timestampDelta, records);
        Varint.writeInt(offsetDelta, records);
        writeBytes(key);
        writeBytes(value);
        Varint.writeInt(headers.size(), records);
        for (int i = 0; i < headerKeys.length; i++) {
            writeBytes(headerKeys[i]);
            writeBytes(headers.get(i).value());
        }
        recordCount++;
        nextOffsetDelta = offsetDelta + 1;
        maxTimestamp = Math.max(maxTimestamp, timestamp);
        return this;
    }

    public int recordCount() {
        return recordCount;
    }

    /** Size of the batch if built now without compression: an upper bound for batching decisions. */
    public int uncompressedSizeInBytes() {
        return built ? uncompressedSize : records.position();
    }

    /**
     * Builds the batch: a heap buffer, position 0, limit and capacity at its end (for an
     * uncompressed batch, over the builder's own array: no copy).
     *
     * @throws IllegalStateException if no record was appended or it was already built
     */
    public ByteBuffer build() {
        if (built) {
            throw new IllegalStateException("batch already built");
        }
        if (recordCount == 0) {
            throw new IllegalStateException("a record batch needs at least one record");
        }
        if (transactional && producerId == NO_PRODUCER_ID) {
            throw new IllegalStateException("a transactional batch needs a producer id (call producer(...))");
        }
        built = true;
        uncompressedSize = records.position();
        byte[] array;
        int size;
        if (compression == CompressionType.NONE) {
            array = records.array();
            size = records.position();
        } else {
            CompressionType.Output out = compression.compress(records.array(), HEADER_SIZE, records.position() - HEADER_SIZE, HEADER_SIZE);
            array = out.array();
            size = out.size();
            buffers.give(records); // the batch lives in the compressed array from here on
            released = true;
        }
        ByteBuffer out = ByteBuffer.wrap(array, 0, size).slice();
        short attributes = (short) (compression.id() | (transactional ? TRANSACTIONAL_FLAG_MASK : 0));
        out.putLong(BASE_OFFSET_OFFSET, baseOffset);
        out.putInt(LENGTH_OFFSET, size - LOG_OVERHEAD);
        out.putInt(PARTITION_LEADER_EPOCH_OFFSET, partitionLeaderEpoch);
        out.put(MAGIC_OFFSET, MAGIC);
        out.putShort(ATTRIBUTES_OFFSET, attributes);
        out.putInt(LAST_OFFSET_DELTA_OFFSET, Math.max(lastOffsetDelta, nextOffsetDelta - 1));
        out.putLong(BASE_TIMESTAMP_OFFSET, baseTimestamp);
        out.putLong(MAX_TIMESTAMP_OFFSET, maxTimestamp);
        out.putLong(PRODUCER_ID_OFFSET, producerId);
        out.putShort(PRODUCER_EPOCH_OFFSET, producerEpoch);
        out.putInt(BASE_SEQUENCE_OFFSET, baseSequence);
        out.putInt(RECORDS_COUNT_OFFSET, recordCount);
        CRC32C crc = new CRC32C();
        crc.update(array, ATTRIBUTES_OFFSET, size - ATTRIBUTES_OFFSET);
        out.putInt(CRC_OFFSET, (int) crc.getValue());
        return out;
    }

    /**
     * The built batch is no longer needed by anyone (answered, or failed for good): its buffer
     * goes back to the {@link BatchBuffers} it came from, and the buffer {@link #build()} returned
     * must not be read again. Once; does nothing for a compressed batch (its records buffer went
     * back when it was compressed).
     *
     * @throws IllegalStateException before {@link #build()}
     */
    public void release() {
        if (!built) {
            throw new IllegalStateException("release() before build()");
        }
        if (!released) {
            released = true;
            buffers.give(records);
        }
    }

    private static int sizeOfBytes(byte[] bytes) {
        return bytes == null ? Varint.sizeOfInt(-1) : Varint.sizeOfInt(bytes.length) + bytes.length;
    }

    private void writeBytes(byte[] bytes) {
        if (bytes == null) {
            Varint.writeInt(-1, records);
        } else {
            Varint.writeInt(bytes.length, records);
            records.put(bytes);
        }
    }

    private void ensureCapacity(int extra) {
        if (records.remaining() < extra) {
            int needed = records.position() + extra;
            ByteBuffer bigger = buffers.take(Math.max(needed, records.capacity() * 2));
            records.flip();
            bigger.put(records);
            buffers.give(records);
            records = bigger;
        }
    }
}
