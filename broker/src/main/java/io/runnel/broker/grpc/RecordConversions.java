package io.runnel.broker.grpc;

import com.google.protobuf.ByteString;
import io.runnel.proto.v1.Record;
import io.runnel.proto.v1.RecordHeader;
import io.runnel.proto.v1.RecordList;
import io.runnel.record.CompressionType;
import io.runnel.record.CorruptBatchException;
import io.runnel.record.Header;
import io.runnel.record.RecordBatch;
import io.runnel.record.RecordBatchBuilder;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/** Between records as protobuf messages and the batch format, for clients without a batch codec. */
final class RecordConversions {
    private RecordConversions() {
    }

    /**
     * Builds one batch of the records; a timestamp of 0 means "now". A list with a producer id gets
     * its producer id, epoch and base sequence in the batch header, so the leader checks it for
     * duplicates and gaps as it does a binary batch of an idempotent producer.
     *
     * @throws IllegalArgumentException for an empty list, an unknown compression, a negative
     *                                  timestamp, or producer fields that do not go together
     *                                  (naming the field)
     */
    static ByteBuffer toBatch(RecordList list, long nowMs) {
        if (list.getRecordsCount() == 0) {
            throw new IllegalArgumentException("a record list needs at least one record");
        }
        CompressionType compression = list.getCompression().isEmpty() ? CompressionType.NONE
            : CompressionType.forName(list.getCompression());
        RecordBatchBuilder builder = new RecordBatchBuilder(compression);
        ProducerFields producer = ProducerFields.of(list);
        if (producer != null) {
            builder.producer(producer.producerId(), producer.producerEpoch(), producer.baseSequence());
        }
        for (Record r : list.getRecordsList()) {
            List<Header> headers = new ArrayList<>(r.getHeadersCount());
            for (RecordHeader h : r.getHeadersList()) {
                headers.add(new Header(h.getKey(), h.hasValue() ? h.getValue().toByteArray() : null));
            }
            builder.append(r.getTimestampMs() == 0 ? nowMs : r.getTimestampMs(),
                r.hasKey() ? r.getKey().toByteArray() : null, r.hasValue() ? r.getValue().toByteArray() : null, headers);
        }
        return builder.build();
    }

    /**
     * The idempotent producer's fields of a record list, all {@code >= 0}.
     *
     * @param producerId    from InitProducerId
     * @param producerEpoch from InitProducerId
     * @param baseSequence  sequence of the list's first record
     */
    record ProducerFields(long producerId, short producerEpoch, int baseSequence) {
        /** Absent and -1 are the same: "not set" (proto3 reads an absent field as its default otherwise). */
        private static final long UNSET = -1;

        /**
         * The list's producer fields, or null if it has no producer id (absent or -1), so is not
         * idempotent.
         *
         * @throws IllegalArgumentException naming the field: a producer id below -1; with a
         *                                  producer id, an epoch or base sequence absent, negative,
         *                                  or an epoch over 32767; without one, an epoch or base
         *                                  sequence set (the client believes it is idempotent but is not)
         */
        static ProducerFields of(RecordList list) {
            long pid = list.hasProducerId() ? list.getProducerId() : UNSET;
            long epoch = list.hasProducerEpoch() ? list.getProducerEpoch() : UNSET;
            long sequence = list.hasBaseSequence() ? list.getBaseSequence() : UNSET;
            if (pid < UNSET) {
                throw new IllegalArgumentException("producer_id " + pid + " is invalid: use one from InitProducerId, "
                    + "or leave it absent (or -1) for a non-idempotent record list");
            }
            if (pid == UNSET) {
                if (epoch != UNSET || sequence != UNSET) {
                    throw new IllegalArgumentException("producer_epoch " + epoch + " and base_sequence " + sequence
                        + " are set without a producer_id: an idempotent record list needs the producer_id from "
                        + "InitProducerId; a non-idempotent one leaves all three absent (or -1)");
                }
                return null;
            }
            if (epoch < 0 || epoch > Short.MAX_VALUE) {
                throw new IllegalArgumentException("producer_epoch " + (list.hasProducerEpoch() ? epoch : "absent")
                    + " with producer_id " + pid + ": an idempotent record list needs the producer_epoch from "
                    + "InitProducerId (0 to " + Short.MAX_VALUE + ")");
            }
            if (sequence < 0) {
                throw new IllegalArgumentException("base_sequence " + (list.hasBaseSequence() ? sequence : "absent")
                    + " with producer_id " + pid + ": an idempotent record list needs the sequence of its first "
                    + "record (>= 0; the partition's first list starts at 0)");
            }
            return new ProducerFields(pid, (short) epoch, (int) sequence);
        }
    }

    /**
     * Records decoded for {@code records_as_messages}.
     *
     * @param records the messages
     * @param bytes   uncompressed bytes of their keys, values and headers (what the conversion cost)
     */
    record Converted(RecordList records, long bytes) {
    }

    /**
     * Decodes whole batches into messages, leaving out records below {@code fromOffset}. Stops
     * before a batch that would take the records past {@code budget} bytes, unless it is the first
     * (when {@code mayOvershoot}: the first data of a response, so a consumer always progresses).
     * No batch is decompressed past {@code maxBatchBytes}: a later batch that would go past it is
     * left for the next fetch, where it comes first.
     *
     * @throws CorruptBatchException.DecompressedTooLargeException if the first batch expands past
     *                                  {@code maxBatchBytes}
     * @throws CorruptBatchException if the first batch does not decode; a later one is left for the
     *                                  next fetch, which names it
     */
    static Converted toMessages(ByteBuffer batches, long fromOffset, int maxBatchBytes, long budget, boolean mayOvershoot) {
        RecordList.Builder out = RecordList.newBuilder();
        RecordBatch batch = new RecordBatch();
        long used = 0;
        boolean firstBatch = true;
        for (int at = batches.position(); at < batches.limit(); at += batch.sizeInBytes()) {
            batch.wrap(batches, at, at);
            List<io.runnel.record.Record> records;
            try {
                records = batch.records(maxBatchBytes);
            } catch (CorruptBatchException e) {
                if (firstBatch) {
                    throw e;
                }
                break;
            }
            long size = 0;
            for (io.runnel.record.Record r : records) {
                if (r.offset() >= fromOffset) {
                    size += payloadBytes(r);
                }
            }
            if (used + size > budget && !(firstBatch && mayOvershoot)) {
                break;
            }
            firstBatch = false;
            used += size;
            for (io.runnel.record.Record r : records) {
                if (r.offset() >= fromOffset) {
                    out.addRecords(toMessage(r));
                }
            }
        }
        return new Converted(out.build(), used);
    }

    private static long payloadBytes(io.runnel.record.Record r) {
        long bytes = (r.key() == null ? 0 : r.key().length) + (r.value() == null ? 0 : r.value().length);
        for (Header h : r.headers()) {
            bytes += h.key().length() + (h.value() == null ? 0 : h.value().length);
        }
        return bytes;
    }

    private static Record toMessage(io.runnel.record.Record r) {
        Record.Builder m = Record.newBuilder().setOffset(r.offset()).setTimestampMs(r.timestamp());
        if (r.key() != null) {
            m.setKey(ByteString.copyFrom(r.key()));
        }
        if (r.value() != null) {
            m.setValue(ByteString.copyFrom(r.value()));
        }
        for (Header h : r.headers()) {
            RecordHeader.Builder hb = RecordHeader.newBuilder().setKey(h.key());
            if (h.value() != null) {
                hb.setValue(ByteString.copyFrom(h.value()));
            }
            m.addHeaders(hb);
        }
        return m.build();
    }
}
