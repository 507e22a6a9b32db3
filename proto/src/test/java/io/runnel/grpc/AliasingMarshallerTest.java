package io.runnel.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ByteString;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.runnel.proto.v1.BrokerGrpc;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.FetchPartitionResponse;
import io.runnel.proto.v1.FetchRequest;
import io.runnel.proto.v1.FetchResponse;
import io.runnel.proto.v1.FetchTopicResponse;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
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
}
