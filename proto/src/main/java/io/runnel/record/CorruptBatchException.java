package io.runnel.record;

/**
 * Bytes that do not form a valid record batch. Every subclass names one way a batch can be bad,
 * so storage can decide what to truncate and the broker which error code to return (all map to
 * CORRUPT_RECORD on the wire). Unchecked: corrupt input is data, not a programming error, but it
 * must never be silently turned into a wrong result.
 */
public class CorruptBatchException extends RuntimeException {
    private final long position;

    public CorruptBatchException(String message, long position) {
        super(message);
        this.position = position;
    }

    public CorruptBatchException(String message, long position, Throwable cause) {
        super(message, cause);
        this.position = position;
    }

    /** Position of the batch's first byte in the buffer or file being read, or -1 if unknown. */
    public long position() {
        return position;
    }

    /** Fewer bytes are available than the batch header or its length field promise. */
    public static final class TruncatedBatchException extends CorruptBatchException {
        private final int expected;
        private final int available;

        public TruncatedBatchException(long position, int expected, int available) {
            super("Truncated record batch at position " + position + ": needs " + expected
                + " bytes, only " + available + " available", position);
            this.expected = expected;
            this.available = available;
        }

        public int expected() {
            return expected;
        }

        public int available() {
            return available;
        }
    }

    /** The batch length field is negative or smaller than the fixed header. */
    public static final class InvalidBatchLengthException extends CorruptBatchException {
        private final int batchLength;

        public InvalidBatchLengthException(long position, int batchLength) {
            super("Invalid record batch length " + batchLength + " at position " + position
                + ": must be at least " + RecordBatchLayout.MIN_BATCH_LENGTH, position);
            this.batchLength = batchLength;
        }

        public int batchLength() {
            return batchLength;
        }
    }

    /** The magic byte names a batch format this build does not know. */
    public static final class UnknownMagicException extends CorruptBatchException {
        private final byte magic;

        public UnknownMagicException(long position, byte magic) {
            super("Unknown record batch magic " + magic + " at position " + position + ": only "
                + RecordBatchLayout.MAGIC + " is supported", position);
            this.magic = magic;
        }

        public byte magic() {
            return magic;
        }
    }

    /** The stored CRC-32C does not match the bytes it covers. */
    public static final class CrcMismatchException extends CorruptBatchException {
        private final long storedCrc;
        private final long computedCrc;

        public CrcMismatchException(long position, long storedCrc, long computedCrc) {
            super(String.format("Record batch CRC mismatch at position %d: stored 0x%08x, computed 0x%08x",
                position, storedCrc, computedCrc), position);
            this.storedCrc = storedCrc;
            this.computedCrc = computedCrc;
        }

        public long storedCrc() {
            return storedCrc;
        }

        public long computedCrc() {
            return computedCrc;
        }
    }

    /** The attributes name a compression codec id this build does not know. */
    public static final class UnknownCompressionException extends CorruptBatchException {
        private final int codecId;

        public UnknownCompressionException(long position, int codecId) {
            super("Unknown compression codec id " + codecId + " in record batch at position " + position, position);
            this.codecId = codecId;
        }

        public int codecId() {
            return codecId;
        }
    }

    /** The record count in the header disagrees with the records actually in the payload. */
    public static final class RecordCountMismatchException extends CorruptBatchException {
        private final int declared;
        private final int found;

        public RecordCountMismatchException(long position, int declared, int found, String detail) {
            super("Record batch at position " + position + " declares " + declared + " records but "
                + detail, position);
            this.declared = declared;
            this.found = found;
        }

        public int declared() {
            return declared;
        }

        /** Records decoded before the disagreement was found. */
        public int found() {
            return found;
        }
    }

    /** A record inside the batch is malformed: a bad varint, a length past its end, a bad delta. */
    public static final class InvalidRecordException extends CorruptBatchException {
        public InvalidRecordException(long position, String detail) {
            super("Invalid record in batch at position " + position + ": " + detail, position);
        }

        public InvalidRecordException(long position, String detail, Throwable cause) {
            super("Invalid record in batch at position " + position + ": " + detail, position, cause);
        }
    }

    /**
     * A compressed records block that expands past the reader's cap (a "compression bomb", or just
     * a batch too big to decode in memory): the bytes may be intact, but this reader refuses to
     * decompress more. The cap is the reader's, so the caller names the setting behind it.
     */
    public static final class DecompressedTooLargeException extends CorruptBatchException {
        private final int limit;

        public DecompressedTooLargeException(long position, int limit, CompressionType compression) {
            super("Records block of the batch at position " + position + " expands past " + limit + " bytes ("
                + compression.label() + ")", position);
            this.limit = limit;
        }

        /** The cap it went past, in bytes. */
        public int limit() {
            return limit;
        }
    }

    /**
     * A batch names a producer id but not a valid producer epoch and sequence (either is -1, or
     * the id is below -1): an idempotent producer's batch must carry all three, and without them
     * no duplicate or gap check can be made.
     */
    public static final class InvalidProducerFieldsException extends CorruptBatchException {
        public InvalidProducerFieldsException(long position, long producerId, short producerEpoch, int baseSequence) {
            super("Batch at position " + position + " has producer id " + producerId + " with producer epoch "
                + producerEpoch + " and base sequence " + baseSequence + ": an idempotent batch needs id, epoch and"
                + " sequence all >= 0", position);
        }
    }
}
