package io.runnel.broker.grpc;

import com.google.protobuf.ByteString;
import io.runnel.proto.v1.Record;
import io.runnel.proto.v1.RecordHeader;
import io.runnel.proto.v1.RecordList;
import io.runnel.record.CompressionType;
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
     * Builds one batch of the records; a timestamp of 0 means "now".
     *
     * @throws IllegalArgumentException for an empty list, an unknown compression or a negative timestamp
     */
    static ByteBuffer toBatch(RecordList list, long nowMs) {
        if (list.getRecordsCount() == 0) {
            throw new IllegalArgumentException("a record list needs at least one record");
        }
        CompressionType compression = list.getCompression().isEmpty() ? CompressionType.NONE
            : CompressionType.forName(list.getCompression());
        RecordBatchBuilder builder = new RecordBatchBuilder(compression);
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

    /** Decodes whole batches into messages, leaving out records below {@code fromOffset}. */
    static RecordList toMessages(ByteBuffer batches, long fromOffset) {
        RecordList.Builder out = RecordList.newBuilder();
        RecordBatch batch = new RecordBatch();
        for (int at = batches.position(); at < batches.limit(); at += batch.sizeInBytes()) {
            batch.wrap(batches, at, at);
            for (io.runnel.record.Record r : batch.records()) {
                if (r.offset() < fromOffset) {
                    continue;
                }
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
                out.addRecords(m);
            }
        }
        return out.build();
    }
}
