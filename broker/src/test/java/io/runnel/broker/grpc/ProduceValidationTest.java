package io.runnel.broker.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import io.runnel.broker.node.SharedNode;
import io.runnel.broker.node.TestCluster;
import io.runnel.proto.v1.BrokerGrpc;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.PartitionProduceData;
import io.runnel.proto.v1.PartitionProduceResponse;
import io.runnel.proto.v1.ProduceRequest;
import io.runnel.proto.v1.ProduceResponse;
import io.runnel.proto.v1.TopicProduceData;
import io.runnel.record.CompressionType;
import io.runnel.record.RecordBatch;
import io.runnel.record.RecordBatchBuilder;
import io.runnel.record.RecordBatchLayout;
import java.nio.ByteBuffer;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Produce through real gRPC on one real node (issue 12 item 7): every batch is validated (CRC,
 * producer fields) before the idempotent producer's state is consulted, and a duplicate is
 * recognised before the ISR size is, so nothing is acked that was not written and nothing written
 * is called "not written".
 */
@ExtendWith(SharedNode.class)
class ProduceValidationTest {
    private static TestCluster cluster;
    private static BrokerGrpc.BrokerBlockingStub broker;

    @BeforeAll
    static void start(TestCluster shared) {
        cluster = shared;
        cluster.createTopic("idem", 1, 1, Map.of());
        cluster.createTopic("minisr", 1, 1, Map.of("min.insync.replicas", "2"));
        cluster.awaitLeadsAll(1, "idem", 1);
        cluster.awaitLeadsAll(1, "minisr", 1);
        broker = BrokerGrpc.newBlockingStub(cluster.clientChannel(1));
    }

    private static PartitionProduceResponse produceOne(int acks, String topic, ByteBuffer batch) {
        ProduceResponse response = broker.produce(ProduceRequest.newBuilder().setAcks(acks).setTimeoutMs(5000)
            .addTopics(TopicProduceData.newBuilder().setTopic(topic).addPartitions(PartitionProduceData.newBuilder()
                .setPartition(0).setRecordBatches(ByteString.copyFrom(batch.duplicate()))))
            .build());
        return response.getTopics(0).getPartitions(0);
    }

    private static ByteBuffer idempotent(long pid, int sequence, String... values) {
        RecordBatchBuilder builder = new RecordBatchBuilder(CompressionType.NONE).producer(pid, (short) 0, sequence);
        for (String v : values) {
            builder.append(System.currentTimeMillis(), null, v.getBytes());
        }
        return builder.build();
    }

    /** A copy with one payload byte flipped: the CRC no longer matches. */
    private static ByteBuffer corrupted(ByteBuffer batch) {
        ByteBuffer copy = ByteBuffer.allocate(batch.remaining()).put(batch.duplicate()).flip();
        int last = copy.limit() - 1;
        copy.put(last, (byte) (copy.get(last) ^ 0x5a));
        return copy;
    }

    /** A batch with producer id {@code pid} but epoch or base sequence -1, with a valid CRC. */
    private static ByteBuffer withProducerFields(long pid, short epoch, int sequence) {
        ByteBuffer batch = idempotent(pid, 0, "x");
        batch.putShort(RecordBatchLayout.PRODUCER_EPOCH_OFFSET, epoch);
        batch.putInt(RecordBatchLayout.BASE_SEQUENCE_OFFSET, sequence);
        batch.putInt(RecordBatchLayout.CRC_OFFSET, (int) RecordBatch.of(batch).computeCrc());
        return batch;
    }

    @Test
    void aCorruptedCopyOfAWrittenBatch_isCorruptRecord_notADuplicate() {
        ByteBuffer batch = idempotent(5001, 0, "a", "b");
        PartitionProduceResponse written = produceOne(1, "idem", batch);
        assertEquals(ErrorCode.NONE, written.getError(), written.getErrorMessage());
        long end = cluster.logEndOffset(1, "idem", 0);

        PartitionProduceResponse copy = produceOne(1, "idem", corrupted(batch));
        assertEquals(ErrorCode.CORRUPT_RECORD, copy.getError(), copy.getErrorMessage());
        assertEquals(-1, copy.getBaseOffset());
        assertEquals(end, cluster.logEndOffset(1, "idem", 0));
        // The intact retry is still a duplicate, answered with the original offset.
        PartitionProduceResponse retry = produceOne(1, "idem", batch);
        assertEquals(ErrorCode.NONE, retry.getError());
        assertEquals(written.getBaseOffset(), retry.getBaseOffset());
        assertEquals(end, cluster.logEndOffset(1, "idem", 0));
    }

    @Test
    void aCorruptedBatchWithASequenceGap_isCorruptRecord_notOutOfOrder() {
        assertEquals(ErrorCode.NONE, produceOne(1, "idem", idempotent(5002, 0, "a")).getError());
        long end = cluster.logEndOffset(1, "idem", 0);
        PartitionProduceResponse gap = produceOne(1, "idem", corrupted(idempotent(5002, 7, "far ahead")));
        assertEquals(ErrorCode.CORRUPT_RECORD, gap.getError(), gap.getErrorMessage());
        assertEquals(end, cluster.logEndOffset(1, "idem", 0));
    }

    @Test
    void aProducerIdWithSequenceOrEpochMinusOne_isRefused_andNeverAckedUnwritten() {
        long end = cluster.logEndOffset(1, "idem", 0);
        for (ByteBuffer bad : new ByteBuffer[] {withProducerFields(5003, (short) 0, -1), withProducerFields(5004, (short) -1, 0)}) {
            for (int attempt = 0; attempt < 2; attempt++) { // a second send must not be taken for a duplicate either
                PartitionProduceResponse r = produceOne(1, "idem", bad);
                assertEquals(ErrorCode.CORRUPT_RECORD, r.getError(), r.getErrorMessage());
                assertEquals(-1, r.getBaseOffset());
            }
        }
        assertEquals(end, cluster.logEndOffset(1, "idem", 0), "nothing written");
    }

    @Test
    void aRetryOfAWrittenBatch_isNotRefusedAsNothingWritten_whenTheIsrIsTooSmall() {
        ByteBuffer batch = idempotent(5005, 0, "a");
        assertEquals(ErrorCode.NONE, produceOne(1, "minisr", batch).getError(), "acks=1 does not need min.insync.replicas");
        long end = cluster.logEndOffset(1, "minisr", 0);
        // acks=all with ISR 1 < 2: a new batch is refused before the append (definitely not written) ...
        PartitionProduceResponse fresh = produceOne(-1, "minisr", idempotent(5005, 1, "b"));
        assertEquals(ErrorCode.NOT_ENOUGH_REPLICAS, fresh.getError());
        assertEquals(end, cluster.logEndOffset(1, "minisr", 0));
        // ... but the retry of the batch already written is recognised as a duplicate first: it is in
        // the log, so the answer is "written, ISR too small", never "nothing was written".
        PartitionProduceResponse retry = produceOne(-1, "minisr", batch);
        assertEquals(ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND, retry.getError(), retry.getErrorMessage());
        assertEquals(end, cluster.logEndOffset(1, "minisr", 0));
    }
}
