package io.runnel.broker.grpc;

import com.google.protobuf.ByteString;
import io.runnel.proto.v1.Record;
import io.runnel.proto.v1.RecordList;

/** Protobuf records for tests of the produce contract. */
final class TestRecordLists {
    private TestRecordLists() {
    }

    /** A record list of one value-only record per string (UTF-8), for further fields to be set on. */
    static RecordList.Builder values(String... values) {
        RecordList.Builder list = RecordList.newBuilder();
        for (String v : values) {
            list.addRecords(Record.newBuilder().setValue(ByteString.copyFromUtf8(v)));
        }
        return list;
    }
}
