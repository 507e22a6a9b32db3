package io.runnel.record;

/**
 * Byte layout of a record batch: the unit of storage, replication and transfer. Every multi-byte
 * field is big-endian. The layout is byte-for-byte Kafka's v2 batch (magic 2), on purpose: a
 * Kafka-protocol front door can then store and serve Kafka producers' batches unchanged.
 * {@code docs/record-batch.md} is the full specification, records included.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                     base offset (int64)                       |  0
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |         batch length (int32): bytes after this field          |  8
 *  +---------------------------------------------------------------+
 *  |               partition leader epoch (int32)                  |  12
 *  +---------------+-----------------------------------------------+
 *  |  magic (int8) |          CRC-32C (uint32) of bytes 21..end    |  16
 *  +---------------+-----------------------------------------------+
 *  |               |       attributes (int16)      |  last offset  |  20
 *  +---------------+-------------------------------+   delta       |
 *  |                        (int32)                |  base         |  24
 *  ...  base timestamp (int64), max timestamp (int64), producer id (int64),
 *  ...  producer epoch (int16), base sequence (int32), record count (int32)
 *  |  records (possibly compressed as one block) ...                  61
 * </pre>
 *
 * <p>The CRC covers everything from {@link #ATTRIBUTES_OFFSET} to the end of the batch, and not the
 * base offset or the partition leader epoch, so a leader assigns offsets and stamps its epoch by
 * rewriting the header in place, without recomputing the CRC or touching the payload.
 *
 * <p>Attributes, bit 0 = least significant:
 * <pre>
 *  | 15 .. 7 (unused, 0) | 6: has delete horizon | 5: control | 4: transactional | 3: timestamp type | 2..0: compression |
 * </pre>
 */
public final class RecordBatchLayout {
    private RecordBatchLayout() {
    }

    /** The only batch format this build reads and writes. */
    public static final byte MAGIC = 2;

    public static final int BASE_OFFSET_OFFSET = 0;
    public static final int BASE_OFFSET_LENGTH = 8;
    public static final int LENGTH_OFFSET = BASE_OFFSET_OFFSET + BASE_OFFSET_LENGTH;
    public static final int LENGTH_LENGTH = 4;
    public static final int PARTITION_LEADER_EPOCH_OFFSET = LENGTH_OFFSET + LENGTH_LENGTH;
    public static final int PARTITION_LEADER_EPOCH_LENGTH = 4;
    public static final int MAGIC_OFFSET = PARTITION_LEADER_EPOCH_OFFSET + PARTITION_LEADER_EPOCH_LENGTH;
    public static final int MAGIC_LENGTH = 1;
    public static final int CRC_OFFSET = MAGIC_OFFSET + MAGIC_LENGTH;
    public static final int CRC_LENGTH = 4;
    public static final int ATTRIBUTES_OFFSET = CRC_OFFSET + CRC_LENGTH;
    public static final int ATTRIBUTES_LENGTH = 2;
    public static final int LAST_OFFSET_DELTA_OFFSET = ATTRIBUTES_OFFSET + ATTRIBUTES_LENGTH;
    public static final int LAST_OFFSET_DELTA_LENGTH = 4;
    public static final int BASE_TIMESTAMP_OFFSET = LAST_OFFSET_DELTA_OFFSET + LAST_OFFSET_DELTA_LENGTH;
    public static final int BASE_TIMESTAMP_LENGTH = 8;
    public static final int MAX_TIMESTAMP_OFFSET = BASE_TIMESTAMP_OFFSET + BASE_TIMESTAMP_LENGTH;
    public static final int MAX_TIMESTAMP_LENGTH = 8;
    public static final int PRODUCER_ID_OFFSET = MAX_TIMESTAMP_OFFSET + MAX_TIMESTAMP_LENGTH;
    public static final int PRODUCER_ID_LENGTH = 8;
    public static final int PRODUCER_EPOCH_OFFSET = PRODUCER_ID_OFFSET + PRODUCER_ID_LENGTH;
    public static final int PRODUCER_EPOCH_LENGTH = 2;
    public static final int BASE_SEQUENCE_OFFSET = PRODUCER_EPOCH_OFFSET + PRODUCER_EPOCH_LENGTH;
    public static final int BASE_SEQUENCE_LENGTH = 4;
    public static final int RECORDS_COUNT_OFFSET = BASE_SEQUENCE_OFFSET + BASE_SEQUENCE_LENGTH;
    public static final int RECORDS_COUNT_LENGTH = 4;
    public static final int RECORDS_OFFSET = RECORDS_COUNT_OFFSET + RECORDS_COUNT_LENGTH;

    /** Bytes before the batch length field is known to be complete: base offset + length. */
    public static final int LOG_OVERHEAD = LENGTH_OFFSET + LENGTH_LENGTH;
    /** Size of a batch with no records: the whole header. */
    public static final int HEADER_SIZE = RECORDS_OFFSET;
    /** Smallest legal value of the batch length field. */
    public static final int MIN_BATCH_LENGTH = HEADER_SIZE - LOG_OVERHEAD;

    public static final int COMPRESSION_CODEC_MASK = 0x07;
    public static final int TIMESTAMP_TYPE_MASK = 0x08;
    public static final int TRANSACTIONAL_FLAG_MASK = 0x10;
    public static final int CONTROL_FLAG_MASK = 0x20;
    public static final int DELETE_HORIZON_FLAG_MASK = 0x40;

    /** Producer id, epoch and sequence of a batch from a producer without idempotence. */
    public static final long NO_PRODUCER_ID = -1L;
    public static final short NO_PRODUCER_EPOCH = -1;
    public static final int NO_SEQUENCE = -1;
    /** Leader epoch of a batch not yet stamped by a leader. */
    public static final int NO_PARTITION_LEADER_EPOCH = -1;
    /** Timestamp of a record that has none. */
    public static final long NO_TIMESTAMP = -1L;
}
