package io.runnel.record;

import static io.runnel.record.RecordBatchLayout.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runnel.record.CorruptBatchException.CrcMismatchException;
import io.runnel.record.CorruptBatchException.InvalidBatchLengthException;
import io.runnel.record.CorruptBatchException.InvalidRecordException;
import io.runnel.record.CorruptBatchException.RecordCountMismatchException;
import io.runnel.record.CorruptBatchException.TruncatedBatchException;
import io.runnel.record.CorruptBatchException.UnknownCompressionException;
import io.runnel.record.CorruptBatchException.UnknownMagicException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class RecordBatchTest {

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** The batch's bytes alone (a built batch may sit at the start of a larger array). */
    private static byte[] bytes(ByteBuffer batch) {
        byte[] out = new byte[batch.remaining()];
        batch.duplicate().get(out);
        return out;
    }

    /** A batch exercising every field: null and empty keys and values, headers, a large value. */
    private static ByteBuffer richBatch(CompressionType codec) {
        byte[] large = new byte[1 << 20];
        new Random(3).nextBytes(large);
        return new RecordBatchBuilder(codec).baseOffset(0).producer(77, (short) 3, 1000).partitionLeaderEpoch(5)
            .append(1_000, utf8("k0"), utf8("v0"))
            .append(1_010, null, utf8("no key"))
            .append(1_005, utf8("tombstone"), null)
            .append(1_020, new byte[0], new byte[0])
            .append(1_030, utf8("h"), utf8("with headers"),
                List.of(new Header("trace", utf8("abc")), new Header("ünïcode-ключ", null), new Header("trace", new byte[0])))
            .append(1_040, utf8("big"), large)
            .build();
    }

    /** Recomputes the CRC after a test edits covered bytes on purpose, so a later check is what fails. */
    private static void fixCrc(ByteBuffer b) {
        CRC32C crc = new CRC32C();
        crc.update(b.array(), ATTRIBUTES_OFFSET, b.limit() - ATTRIBUTES_OFFSET);
        b.putInt(CRC_OFFSET, (int) crc.getValue());
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void theExpectedSize_changesNoByte_whetherTheRecordsFitItOrOutgrowIt(CompressionType codec) {
        byte[] value = new byte[3000];
        new Random(5).nextBytes(value);
        List<byte[]> built = new ArrayList<>();
        for (int expected : new int[] {0, 100, 3000, 10_000, 1 << 20}) {
            RecordBatchBuilder builder = new RecordBatchBuilder(codec, expected).producer(4, (short) 1, 7);
            for (int i = 0; i < 5; i++) {
                builder.append(100 + i, utf8("k" + i), value, List.of(new Header("h", utf8("x" + i))));
            }
            assertEquals(5 * 3000 + RecordBatchLayout.HEADER_SIZE, builder.uncompressedSizeInBytes(), 200);
            ByteBuffer batch = builder.build();
            assertEquals(0, batch.position());
            assertEquals(batch.limit(), batch.capacity(), "the buffer ends where the batch does");
            RecordBatch.of(batch).validate();
            assertEquals(5, RecordBatch.of(batch).records().size());
            built.add(bytes(batch));
        }
        for (byte[] b : built) {
            assertArrayEquals(built.get(0), b);
        }
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void roundTrip_everyCodec(CompressionType codec) {
        ByteBuffer buffer = richBatch(codec);
        RecordBatch batch = RecordBatch.of(buffer);
        batch.validate();
        assertEquals(codec, batch.compression());
        assertEquals(buffer.limit(), batch.sizeInBytes());
        assertEquals(6, batch.recordCount());
        assertEquals(5, batch.lastOffsetDelta());
        assertEquals(1_000, batch.baseTimestamp());
        assertEquals(1_040, batch.maxTimestamp());
        assertEquals(77, batch.producerId());
        assertEquals(3, batch.producerEpoch());
        assertEquals(1000, batch.baseSequence());
        assertEquals(1005, batch.lastSequence());
        assertEquals(5, batch.partitionLeaderEpoch());
        assertEquals(TimestampType.CREATE_TIME, batch.timestampType());
        assertFalse(batch.isTransactional());
        List<Record> records = batch.records();
        assertEquals(6, records.size());
        assertEquals(new Record(0, 1_000, utf8("k0"), utf8("v0"), List.of()), records.get(0));
        assertNull(records.get(1).key());
        assertEquals(1_005, records.get(2).timestamp(), "timestamps may go backwards within a batch");
        assertNull(records.get(2).value());
        assertArrayEquals(new byte[0], records.get(3).key());
        assertArrayEquals(new byte[0], records.get(3).value());
        assertEquals(List.of(new Header("trace", utf8("abc")), new Header("ünïcode-ключ", null), new Header("trace", new byte[0])),
            records.get(4).headers());
        assertEquals(1 << 20, records.get(5).value().length);
        for (int i = 0; i < 6; i++) {
            assertEquals(i, records.get(i).offset());
        }
    }

    @Test
    void rewritingBaseOffsetAndEpoch_keepsTheCrcValid() {
        ByteBuffer buffer = richBatch(CompressionType.LZ4);
        RecordBatch batch = RecordBatch.of(buffer);
        batch.baseOffset(1_000_000);
        batch.partitionLeaderEpoch(42);
        batch.validate();
        assertEquals(1_000_005, batch.lastOffset());
        assertEquals(1_000_006, batch.nextOffset());
        assertEquals(1_000_003, batch.records().get(3).offset());
    }

    @Test
    void stampLogAppendTime_recomputesCrc_andRecordsReportIt() {
        ByteBuffer buffer = richBatch(CompressionType.NONE);
        RecordBatch batch = RecordBatch.of(buffer);
        batch.stampLogAppendTime(9_999);
        batch.validate();
        assertEquals(TimestampType.LOG_APPEND_TIME, batch.timestampType());
        assertTrue(batch.records().stream().allMatch(r -> r.timestamp() == 9_999));
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void stampProducer_renumbersInPlace_andRecomputesCrc(CompressionType compression) {
        ByteBuffer buffer = new RecordBatchBuilder(compression).producer(7, (short) 2, 40)
            .append(1, null, new byte[] {1}).append(2, null, new byte[] {2}).build();
        RecordBatch batch = RecordBatch.of(buffer);
        batch.stampProducer(7, (short) 3, 0);
        batch.validate(); // the CRC covers the producer fields: a stale CRC would fail here
        assertEquals(3, batch.producerEpoch());
        assertEquals(0, batch.baseSequence());
        assertEquals(1, batch.lastSequence());
        assertEquals(2, batch.records().size());
        assertThrows(IllegalArgumentException.class, () -> batch.stampProducer(7, (short) 3, -1));
    }

    @Test
    void lastSequence_wrapsLikeKafka() {
        ByteBuffer b = new RecordBatchBuilder(CompressionType.NONE).producer(1, (short) 0, Integer.MAX_VALUE - 1)
            .append(1, null, null).append(1, null, null).append(1, null, null).build();
        assertEquals(0, RecordBatch.of(b).lastSequence());
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void truncatedAtEveryLength_isTruncatedBatchException(CompressionType codec) {
        ByteBuffer full = new RecordBatchBuilder(codec).append(5, utf8("key"), utf8("value")).append(6, null, utf8("v2")).build();
        for (int length = 0; length < full.limit(); length++) {
            ByteBuffer cut = ByteBuffer.wrap(full.array(), 0, length).slice();
            TruncatedBatchException e = assertThrows(TruncatedBatchException.class, () -> RecordBatch.of(cut, 0).validate(),
                "length " + length);
            assertTrue(e.getMessage().contains("Truncated record batch"), e.getMessage());
        }
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void flippedCoveredByte_isCrcMismatch(CompressionType codec) {
        ByteBuffer original = new RecordBatchBuilder(codec).append(5, utf8("key"), utf8("value")).append(6, null, utf8("v2")).build();
        for (int at = ATTRIBUTES_OFFSET; at < original.limit(); at++) {
            ByteBuffer copy = ByteBuffer.wrap(bytes(original));
            copy.put(at, (byte) (copy.get(at) ^ 0x01));
            CrcMismatchException e = assertThrows(CrcMismatchException.class, () -> RecordBatch.of(copy).validate(), "byte " + at);
            assertTrue(e.getMessage().contains("CRC mismatch"));
        }
        ByteBuffer crcByte = ByteBuffer.wrap(bytes(original));
        crcByte.put(CRC_OFFSET, (byte) (crcByte.get(CRC_OFFSET) ^ 0x80));
        assertThrows(CrcMismatchException.class, () -> RecordBatch.of(crcByte).validate());
    }

    @Test
    void unknownMagic() {
        ByteBuffer b = new RecordBatchBuilder(CompressionType.NONE).append(1, null, utf8("x")).build();
        b.put(MAGIC_OFFSET, (byte) 1);
        UnknownMagicException e = assertThrows(UnknownMagicException.class, () -> RecordBatch.of(b).validate());
        assertEquals(1, e.magic());
    }

    @Test
    void unknownCodec_5_6_7() {
        for (int codec = 5; codec <= 7; codec++) {
            ByteBuffer b = new RecordBatchBuilder(CompressionType.NONE).append(1, null, utf8("x")).build();
            b.putShort(ATTRIBUTES_OFFSET, (short) codec);
            fixCrc(b);
            UnknownCompressionException e = assertThrows(UnknownCompressionException.class, () -> RecordBatch.of(b).validate());
            assertEquals(codec, e.codecId());
        }
    }

    @Test
    void negativeOrTooSmallLength() {
        for (int length : new int[] {-1, Integer.MIN_VALUE, 0, MIN_BATCH_LENGTH - 1}) {
            ByteBuffer b = new RecordBatchBuilder(CompressionType.NONE).append(1, null, utf8("x")).build();
            b.putInt(LENGTH_OFFSET, length);
            InvalidBatchLengthException e = assertThrows(InvalidBatchLengthException.class, () -> RecordBatch.of(b).validate());
            assertEquals(length, e.batchLength());
        }
        ByteBuffer huge = new RecordBatchBuilder(CompressionType.NONE).append(1, null, utf8("x")).build();
        huge.putInt(LENGTH_OFFSET, Integer.MAX_VALUE);
        assertThrows(TruncatedBatchException.class, () -> RecordBatch.of(huge).validate());
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void recordCountDisagreeingWithPayload(CompressionType codec) {
        for (int declared : new int[] {1, 3, -1}) {
            ByteBuffer b = new RecordBatchBuilder(codec).append(1, null, utf8("a")).append(2, null, utf8("b")).build();
            b.putInt(RECORDS_COUNT_OFFSET, declared);
            fixCrc(b);
            RecordBatch batch = RecordBatch.of(b);
            RecordCountMismatchException e = assertThrows(RecordCountMismatchException.class, () -> {
                batch.validate();
                batch.records();
            }, "declared " + declared);
            assertEquals(declared, e.declared());
        }
    }

    @Test
    void malformedRecordInside_isInvalidRecord() {
        ByteBuffer b = new RecordBatchBuilder(CompressionType.NONE).append(1, utf8("k"), utf8("v")).build();
        // Record layout: length varint, attributes, ts delta, offset delta, key length, key...
        // Make the key length say 50 bytes (zig-zag 100, one byte) while only a few remain.
        int keyLengthAt = RECORDS_OFFSET + 1 + 1 + 1 + 1;
        b.put(keyLengthAt, (byte) (50 << 1));
        fixCrc(b);
        InvalidRecordException e = assertThrows(InvalidRecordException.class, () -> RecordBatch.of(b).records());
        assertTrue(e.getMessage().contains("key length 50"), e.getMessage());

        ByteBuffer varint = new RecordBatchBuilder(CompressionType.NONE).append(1, utf8("k"), utf8("v")).build();
        for (int i = RECORDS_OFFSET; i < varint.limit(); i++) {
            varint.put(i, (byte) 0xff); // continuation bits forever: an overlong varint
        }
        fixCrc(varint);
        assertThrows(InvalidRecordException.class, () -> RecordBatch.of(varint).records());
    }

    @ParameterizedTest
    @EnumSource(value = CompressionType.class, names = {"GZIP", "SNAPPY", "LZ4", "ZSTD"})
    void garbageCompressedBlock_isInvalidRecord(CompressionType codec) {
        ByteBuffer b = new RecordBatchBuilder(codec).append(1, utf8("k"), utf8("value value value")).build();
        for (int i = RECORDS_OFFSET; i < b.limit(); i++) {
            b.put(i, (byte) (i * 31));
        }
        fixCrc(b);
        RecordBatch batch = RecordBatch.of(b);
        batch.validate();
        InvalidRecordException e = assertThrows(InvalidRecordException.class, batch::records);
        assertTrue(e.getMessage().contains("does not decompress with " + codec.label()), e.getMessage());
    }

    @Test
    void randomGarbage_onlyEverRaisesCorruptBatchExceptions() {
        Random random = new Random(20261124);
        ByteBuffer template = richBatchSmall();
        for (int round = 0; round < 20_000; round++) {
            byte[] bytes;
            if (round % 2 == 0) {
                bytes = new byte[random.nextInt(200)];
                random.nextBytes(bytes);
            } else {
                bytes = bytes(template);
                for (int flips = 1 + random.nextInt(4); flips > 0; flips--) {
                    bytes[random.nextInt(bytes.length)] = (byte) random.nextInt();
                }
                if (random.nextBoolean()) {
                    ByteBuffer b = ByteBuffer.wrap(bytes);
                    fixCrc(b); // get past the CRC to the deeper checks
                }
            }
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            try {
                RecordBatch batch = RecordBatch.of(buffer);
                batch.validate();
                batch.records();
            } catch (CorruptBatchException expected) {
                // the only acceptable failure
            }
        }
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void randomGarbageInsideEveryCodec_onlyEverRaisesCorruptBatchExceptions(CompressionType codec) {
        Random random = new Random(codec.ordinal() * 7919L);
        ByteBuffer template = new RecordBatchBuilder(codec).append(1, utf8("key"), utf8("value ".repeat(20)),
            List.of(new Header("h", utf8("x")))).append(2, null, utf8("second")).build();
        for (int round = 0; round < 3_000; round++) {
            byte[] bytes = bytes(template);
            for (int flips = 1 + random.nextInt(3); flips > 0; flips--) {
                bytes[RECORDS_OFFSET + random.nextInt(bytes.length - RECORDS_OFFSET)] = (byte) random.nextInt();
            }
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            fixCrc(buffer); // past the CRC, into the decompressor and the record parser
            try {
                RecordBatch batch = RecordBatch.of(buffer);
                batch.validate();
                batch.records();
            } catch (CorruptBatchException expected) {
                // the only acceptable failure
            }
        }
    }

    @Test
    void snappyChunkLengthOutOfRange_isInvalidRecord_notAnError() {
        ByteBuffer b = new RecordBatchBuilder(CompressionType.SNAPPY).append(1, utf8("k"), utf8("value")).build();
        // snappy-java's stream: 8-byte magic, two 4-byte versions, then a 4-byte chunk length.
        b.putInt(RECORDS_OFFSET + 16, -5);
        fixCrc(b);
        RecordBatch batch = RecordBatch.of(b);
        batch.validate();
        assertThrows(InvalidRecordException.class, batch::records);
    }

    @Test
    void littleEndianBuffer_isReadAsTheBigEndianFormat() {
        ByteBuffer b = new RecordBatchBuilder(CompressionType.NONE).baseOffset(42).append(1, utf8("k"), utf8("v")).build();
        b.order(java.nio.ByteOrder.LITTLE_ENDIAN);
        RecordBatch batch = RecordBatch.of(b);
        batch.validate();
        assertEquals(42, batch.baseOffset());
        batch.baseOffset(43);
        assertEquals(43, b.duplicate().order(java.nio.ByteOrder.BIG_ENDIAN).getLong(0), "rewrites reach the caller's buffer");
    }

    @Test
    void offsetDeltaOutsideTheHeadersRange_isInvalidRecord() {
        ByteBuffer b = new RecordBatchBuilder(CompressionType.NONE).append(1, utf8("k"), utf8("v")).append(1, utf8("k"), utf8("v")).build();
        // The first record is 9 bytes (its length varint, then 8); in the second, the offset delta
        // follows the length, attributes and timestamp delta.
        int secondRecord = RECORDS_OFFSET + 9;
        b.put(secondRecord + 3, (byte) (40 << 1));
        fixCrc(b);
        InvalidRecordException e = assertThrows(InvalidRecordException.class, () -> RecordBatch.of(b).records());
        assertTrue(e.getMessage().contains("offset delta 40"), e.getMessage());
    }

    @ParameterizedTest
    @EnumSource(value = CompressionType.class, names = {"GZIP", "SNAPPY", "LZ4", "ZSTD"})
    void compressionBomb_isCappedNotExpanded(CompressionType codec) {
        ByteBuffer bomb = new RecordBatchBuilder(codec).append(1, null, new byte[4 << 20]).build();
        assertTrue(bomb.limit() < (1 << 20), "4 MiB of zeros compresses small");
        RecordBatch batch = RecordBatch.of(bomb);
        CorruptBatchException.DecompressedTooLargeException e = assertThrows(
            CorruptBatchException.DecompressedTooLargeException.class, () -> batch.records(1 << 20));
        assertTrue(e.getMessage().contains("expands past 1048576 bytes"), e.getMessage());
        assertEquals(1 << 20, e.limit());
        assertEquals(1, batch.records().size(), "under the default cap it decodes");
    }

    @Test
    void transactionalWithoutProducerId_isRefused() {
        assertThrows(IllegalStateException.class,
            () -> new RecordBatchBuilder(CompressionType.NONE).transactional(true).append(1, null, null).build());
    }

    private static ByteBuffer richBatchSmall() {
        return new RecordBatchBuilder(CompressionType.NONE).append(1, utf8("k"), utf8("v"),
            List.of(new Header("h", utf8("x")))).append(2, null, null).build();
    }

    /** Known answer: the exact header bytes of a tiny batch, so the layout cannot drift silently. */
    @Test
    void knownAnswer_headerAndRecordBytes() {
        ByteBuffer b = new RecordBatchBuilder(CompressionType.NONE).baseOffset(0x0102030405060708L)
            .partitionLeaderEpoch(9).append(1_700_000_000_000L, utf8("k"), utf8("v")).build();
        String hex = HexFormat.of().formatHex(bytes(b));
        String expected =
            "0102030405060708"      // base offset
            + "0000003a"            // batch length: 70 - 12 = 58
            + "00000009"            // partition leader epoch
            + "02"                  // magic
            + hex.substring(34, 42) // CRC-32C, checked below
            + "0000"                // attributes: no compression, create time
            + "00000000"            // last offset delta
            + "0000018bcfe56800"    // base timestamp 1700000000000
            + "0000018bcfe56800"    // max timestamp
            + "ffffffffffffffff"    // producer id -1
            + "ffff"                // producer epoch -1
            + "ffffffff"            // base sequence -1
            + "00000001"            // record count
            + "10"                  // record length 8 (zig-zag 16): the 8 bytes that follow
            + "00"                  // record attributes
            + "00"                  // timestamp delta 0
            + "00"                  // offset delta 0
            + "02" + "6b"           // key length 1, "k"
            + "02" + "76"           // value length 1, "v"
            + "00";                 // header count 0
        assertEquals(expected, hex);
        assertEquals(70, b.limit());
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 21, b.limit() - 21);
        assertEquals(String.format("%08x", crc.getValue()), hex.substring(34, 42));
    }

    @Test
    void builder_refusesBadArguments() {
        RecordBatchBuilder builder = new RecordBatchBuilder(CompressionType.NONE);
        assertThrows(IllegalArgumentException.class, () -> builder.append(-1, null, null));
        assertThrows(IllegalArgumentException.class, () -> builder.producer(-1, (short) 0, 0));
        assertThrows(IllegalArgumentException.class, () -> builder.baseOffset(-5));
        assertThrows(IllegalStateException.class, builder::build, "a batch needs a record");
        builder.append(1, null, null);
        builder.build();
        assertThrows(IllegalStateException.class, builder::build, "built once");
        assertThrows(IllegalArgumentException.class, () -> CompressionType.forName("brotli"));
        assertEquals(CompressionType.ZSTD, CompressionType.forName("ZSTD"));
    }

    @Test
    void varint_matchesTheZigZagDefinition() {
        long[] values = {0, 1, -1, 63, -64, 64, -65, 8191, -8192, Integer.MAX_VALUE, Integer.MIN_VALUE, Long.MAX_VALUE, Long.MIN_VALUE};
        for (long v : values) {
            ByteBuffer out = ByteBuffer.allocate(10);
            Varint.writeLong(v, out);
            assertEquals(Varint.sizeOfLong(v), out.position());
            out.flip();
            assertEquals(v, Varint.readLong(out));
            if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
                ByteBuffer o = ByteBuffer.allocate(5);
                Varint.writeInt((int) v, o);
                assertEquals(Varint.sizeOfInt((int) v), o.position());
                o.flip();
                assertEquals(v, Varint.readInt(o));
            }
        }
        ByteBuffer one = ByteBuffer.allocate(1);
        Varint.writeInt(-1, one);
        assertEquals(1, one.get(0), "zig-zag maps -1 to 1");
        List<Byte> bytes = new ArrayList<>();
        ByteBuffer big = ByteBuffer.allocate(5);
        Varint.writeInt(150, big);
        big.flip();
        while (big.hasRemaining()) {
            bytes.add(big.get());
        }
        assertEquals(List.of((byte) 0xac, (byte) 0x02), bytes, "300 = zig-zag(150) is ac 02");
    }
}
