package io.runnel.broker.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import io.runnel.proto.v1.BrokerGrpc;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.FetchPartition;
import io.runnel.proto.v1.FetchRequest;
import io.runnel.proto.v1.FetchTopic;
import io.runnel.proto.v1.PartitionProduceData;
import io.runnel.proto.v1.ProduceRequest;
import io.runnel.proto.v1.Record;
import io.runnel.proto.v1.RecordList;
import io.runnel.proto.v1.TopicProduceData;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Produces and reads partition 0 of a topic through a node's Broker service, records as messages. */
final class Records {
    private final TestCluster cluster;

    Records(TestCluster cluster) {
        this.cluster = cluster;
    }

    private BrokerGrpc.BrokerBlockingStub broker(int id) {
        return BrokerGrpc.newBlockingStub(cluster.clientChannel(id)).withDeadlineAfter(15, TimeUnit.SECONDS);
    }

    /** One record with acks=all; the partition's error. */
    ErrorCode produceAcksAll(int id, String topic, String value) {
        return broker(id).produce(ProduceRequest.newBuilder().setAcks(-1).setTimeoutMs(10_000)
            .addTopics(TopicProduceData.newBuilder().setTopic(topic).addPartitions(PartitionProduceData.newBuilder()
                .setPartition(0).setRecords(RecordList.newBuilder().addRecords(Record.newBuilder()
                    .setValue(ByteString.copyFromUtf8(value))))))
            .build()).getTopics(0).getPartitions(0).getError();
    }

    /** The values of the first {@code count} records, read from the leader {@code id}, checking offsets. */
    List<String> readAll(int id, String topic, int count) {
        List<String> read = new ArrayList<>();
        long offset = 0;
        while (read.size() < count) {
            var r = broker(id).fetch(FetchRequest.newBuilder().setRecordsAsMessages(true).setMaxWaitMs(1000).setMinBytes(1)
                .addTopics(FetchTopic.newBuilder().setTopic(topic).addPartitions(FetchPartition.newBuilder()
                    .setFetchOffset(offset).setCurrentLeaderEpoch(-1).setPartitionMaxBytes(1 << 20))).build())
                .getTopics(0).getPartitions(0);
            assertEquals(ErrorCode.NONE, r.getError(), r.getErrorMessage());
            for (Record rec : r.getRecords().getRecordsList()) {
                assertEquals(offset, rec.getOffset());
                read.add(rec.getValue().toStringUtf8());
                offset++;
            }
        }
        return read;
    }
}
