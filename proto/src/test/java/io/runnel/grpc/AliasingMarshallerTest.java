package io.runnel.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.runnel.proto.v1.BrokerGrpc;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.FetchPartitionResponse;
import io.runnel.proto.v1.FetchRequest;
import io.runnel.proto.v1.FetchResponse;
import io.runnel.proto.v1.FetchTopicResponse;
import io.runnel.proto.v1.PartitionProduceData;
import io.runnel.proto.v1.ProduceRequest;
import io.runnel.proto.v1.ProduceResponse;
import io.runnel.proto.v1.TopicProduceData;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class AliasingMarshallerTest {
    private static final MethodDescriptor<FetchRequest, FetchResponse> FETCH =
        AliasingMarshaller.responsesAliased(BrokerGrpc.getFetchMethod(), FetchResponse.getDefaultInstance());

    private static FetchResponse response(int batchBytes) {
        byte[] batches = new byte[batchBytes];
        new Random(batchBytes).nextBytes(batches);
        return FetchResponse.newBuilder().addTopics(FetchTopicResponse.newBuilder().setTopic("t")
            .addPartitions(FetchPartitionResponse.newBuilder().setPartition(3).setError(ErrorCode.NONE).setHighWatermark(42)
                .setRecordBatches(ByteString.copyFrom(batches)))
            .addPartitions(FetchPartitionResponse.newBuilder().setPartition(4).setError(ErrorCode.OFFSET_OUT_OF_RANGE)))
            .build();
    }

    @Test
    void parsesWhatTheStockMarshallerWrites_fromAKnownLengthStream_andFromAnyStream() throws Exception {
        for (int size : new int[] {0, 1, 4096, 1 << 20}) {
            FetchResponse sent = response(size);
            InputStream known = BrokerGrpc.getFetchMethod().getResponseMarshaller().stream(sent);
            assertEquals(sent, FETCH.getResponseMarshaller().parse(known), "known length, " + size + " bytes");
            InputStream plain = new ByteArrayInputStream(sent.toByteArray()) {
            };
            assertEquals(sent, FETCH.getResponseMarshaller().parse(plain), "plain stream, " + size + " bytes");
        }
    }

    @Test
    void writesRequestsAsTheStockMarshallerDoes() throws Exception {
        FetchRequest request = FetchRequest.newBuilder().setMaxWaitMs(5).setMaxBytes(100).build();
        assertEquals(request, FetchRequest.parseFrom(FETCH.getRequestMarshaller().stream(request)));
    }

    @Test
    void aCutResponse_isAnInternalError_notAPartialMessage() {
        byte[] whole = response(1000).toByteArray();
        InputStream cut = new ByteArrayInputStream(Arrays.copyOf(whole, whole.length - 10));
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> FETCH.getResponseMarshaller().parse(cut));
        assertEquals(Status.Code.INTERNAL, e.getStatus().getCode());
    }

    @Test
    void aProducedBatchParsedOnTheServersSide_isWritableInPlace_withoutACopy() {
        MethodDescriptor<ProduceRequest, ProduceResponse> produce =
            AliasingMarshaller.requestsAliased(BrokerGrpc.getProduceMethod(), ProduceRequest.getDefaultInstance());
        byte[] batch = new byte[5000];
        new Random(9).nextBytes(batch);
        ProduceRequest sent = ProduceRequest.newBuilder().setAcks(1).addTopics(TopicProduceData.newBuilder().setTopic("t")
            .addPartitions(PartitionProduceData.newBuilder().setPartition(0).setRecordBatches(ByteString.copyFrom(batch)))).build();
        ProduceRequest parsed = produce.parseRequest(BrokerGrpc.getProduceMethod().streamRequest(sent));
        assertEquals(sent, parsed);

        ByteString field = parsed.getTopics(0).getPartitions(0).getRecordBatches();
        ByteBuffer view = AliasingMarshaller.writableView(field);
        assertEquals(5000, view.remaining());
        view.put(0, (byte) (batch[0] + 1));
        assertEquals((byte) (batch[0] + 1), field.byteAt(0), "the view is the parsed message's own bytes");
        assertEquals(batch[0], sent.getTopics(0).getPartitions(0).getRecordBatches().byteAt(0), "the sender's message is untouched");
    }

    @Test
    void aServiceWithOneMethodAliased_keepsEveryOtherMethodAndItsSchema() {
        ServerServiceDefinition stock = new BrokerGrpc.BrokerImplBase() {
        }.bindService();
        ServerServiceDefinition aliased =
            AliasingMarshaller.requestsAliased(stock, BrokerGrpc.getProduceMethod(), ProduceRequest.getDefaultInstance());
        assertEquals(stock.getMethods().size(), aliased.getMethods().size());
        assertEquals(stock.getServiceDescriptor().getSchemaDescriptor(), aliased.getServiceDescriptor().getSchemaDescriptor());
        MethodDescriptor<?, ?> produce = aliased.getMethod(BrokerGrpc.getProduceMethod().getFullMethodName()).getMethodDescriptor();
        assertTrue(produce.getRequestMarshaller() instanceof AliasingMarshaller);
        assertSame(BrokerGrpc.getFetchMethod(), aliased.getMethod(BrokerGrpc.getFetchMethod().getFullMethodName()).getMethodDescriptor());
    }
}
