package io.runnel.broker.grpc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.runnel.log.FileSlice;
import io.runnel.proto.v1.BrokerGrpc;
import io.runnel.proto.v1.DivergingEpoch;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.FetchPartitionResponse;
import io.runnel.proto.v1.FetchRequest;
import io.runnel.proto.v1.FetchResponse;
import io.runnel.proto.v1.FetchTopicResponse;
import io.runnel.proto.v1.LeaderHint;
import io.runnel.proto.v1.ReplicaFetchPartitionData;
import io.runnel.proto.v1.ReplicaFetchResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Responses written by {@link SplicingMarshaller} are, for any client, the messages the stock
 * protobuf code would write: same parse, slices byte for byte from the file, and a file that cannot
 * be read fails the call instead of sending a shorter message.
 */
class SplicingMarshallerTest {
    private static final int LARGE = 3 * 1024 * 1024 + 77;

    @TempDir
    Path dir;
    private byte[] file;
    private FileChannel channel;

    @BeforeEach
    void writeFile() throws IOException {
        file = new byte[LARGE + 4096];
        new Random(13).nextBytes(file);
        Path log = dir.resolve("00000000000000000000.log");
        Files.write(log, file);
        channel = FileChannel.open(log, StandardOpenOption.READ);
    }

    @AfterEach
    void closeFile() throws IOException {
        channel.close();
    }

    private ByteString fileBytes(FileSlice slice) {
        return ByteString.copyFrom(file, (int) slice.position(), slice.size());
    }

    private static byte[] drained(SplicedMessage message) throws IOException {
        InputStream stream = SplicingMarshaller.INSTANCE.stream(message);
        assertTrue(stream instanceof Drainable && stream instanceof KnownLength);
        assertEquals(message.length(), stream.available());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertEquals(message.length(), ((Drainable) stream).drainTo(out));
        assertEquals(message.length(), out.size());
        return out.toByteArray();
    }

    /** Several topics and partitions: a large slice, a small one, an empty one, an error with a leader hint. */
    private record Fetch(SplicedMessage spliced, FetchResponse stock) {
    }

    private Fetch fetch() {
        FileSlice large = new FileSlice(channel, 17, LARGE);
        FileSlice small = new FileSlice(channel, LARGE + 100, 333);
        FetchPartitionResponse ok = FetchPartitionResponse.newBuilder().setPartition(0).setError(ErrorCode.NONE)
            .setHighWatermark(1_000_000).setLogStartOffset(5).build();
        FetchPartitionResponse empty = FetchPartitionResponse.newBuilder().setPartition(1).setHighWatermark(7).build();
        FetchPartitionResponse failed = FetchPartitionResponse.newBuilder().setPartition(2)
            .setError(ErrorCode.NOT_LEADER).setErrorMessage("not the leader").setHighWatermark(-1)
            .setLogStartOffset(-1).setCurrentLeader(LeaderHint.newBuilder().setLeaderId(3).setLeaderEpoch(9)).build();
        FetchPartitionResponse other = FetchPartitionResponse.newBuilder().setPartition(4).setHighWatermark(12)
            .setCurrentLeader(LeaderHint.newBuilder().setLeaderId(1)).build();

        SplicedMessage spliced = SplicedMessage.of(FetchResponse.getDefaultInstance())
            .add(FetchResponse.TOPICS_FIELD_NUMBER, SplicedMessage.of(FetchTopicResponse.newBuilder().setTopic("orders").build())
                .add(FetchTopicResponse.PARTITIONS_FIELD_NUMBER, SplicedMessage.of(ok).add(6, large))
                .add(FetchTopicResponse.PARTITIONS_FIELD_NUMBER, SplicedMessage.of(empty).add(6, FileSlice.EMPTY))
                .add(FetchTopicResponse.PARTITIONS_FIELD_NUMBER, SplicedMessage.of(failed)))
            .add(FetchResponse.TOPICS_FIELD_NUMBER, SplicedMessage.of(FetchTopicResponse.newBuilder().setTopic("clicks").build())
                .add(FetchTopicResponse.PARTITIONS_FIELD_NUMBER, SplicedMessage.of(other).add(6, small)));
        FetchResponse stock = FetchResponse.newBuilder()
            .addTopics(FetchTopicResponse.newBuilder().setTopic("orders")
                .addPartitions(ok.toBuilder().setRecordBatches(fileBytes(large)))
                .addPartitions(empty).addPartitions(failed))
            .addTopics(FetchTopicResponse.newBuilder().setTopic("clicks")
                .addPartitions(other.toBuilder().setRecordBatches(fileBytes(small))))
            .build();
        return new Fetch(spliced, stock);
    }

    @Test
    void fetchResponseParsesAsTheStockMessageWithTheFileBytes() throws IOException {
        Fetch fetch = fetch();
        byte[] wire = drained(fetch.spliced());
        FetchResponse parsed = FetchResponse.parseFrom(wire);
        assertEquals(fetch.stock(), parsed);
        assertEquals(fetch.stock().getSerializedSize(), wire.length);
        assertArrayEquals(Arrays.copyOfRange(file, 17, 17 + LARGE),
            parsed.getTopics(0).getPartitions(0).getRecordBatches().toByteArray());
    }

    @Test
    void replicaFetchResponseIsByteForByteTheStockEncoding() throws IOException {
        FileSlice slice = new FileSlice(channel, 1, LARGE);
        ReplicaFetchPartitionData data = ReplicaFetchPartitionData.newBuilder().setTopic("orders").setPartition(3)
            .setHighWatermark(10).setLogStartOffset(0).setLogEndOffset(12).build();
        ReplicaFetchPartitionData diverged = ReplicaFetchPartitionData.newBuilder().setTopic("orders").setPartition(4)
            .setDivergingEpoch(DivergingEpoch.newBuilder().setEpoch(2).setEndOffset(40)).build();
        SplicedMessage spliced = SplicedMessage.of(ReplicaFetchResponse.getDefaultInstance())
            .add(1, SplicedMessage.of(data).add(ReplicaFetchPartitionData.RECORD_BATCHES_FIELD_NUMBER, slice))
            .add(1, SplicedMessage.of(diverged).add(ReplicaFetchPartitionData.RECORD_BATCHES_FIELD_NUMBER, FileSlice.EMPTY));
        ReplicaFetchResponse stock = ReplicaFetchResponse.newBuilder()
            .addPartitions(data.toBuilder().setRecordBatches(fileBytes(slice))).addPartitions(diverged).build();
        byte[] wire = drained(spliced);
        assertArrayEquals(stock.toByteArray(), wire);
        assertEquals(stock, ReplicaFetchResponse.parseFrom(wire));
    }

    /**
     * Answers with small slices only (a long poll at the tail) copy through a buffer the size of the
     * largest slice: tiny slices, one byte, and a field number above 15 (a two-byte tag) still come
     * out byte for byte as the stock encoding.
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 5, 127, 128, 1000})
    void smallSlicesOnly_areByteForByteTheStockEncoding(int size) throws IOException {
        FileSlice a = new FileSlice(channel, 3, size);
        FileSlice b = new FileSlice(channel, 5000, Math.max(1, size / 2));
        ReplicaFetchPartitionData data = ReplicaFetchPartitionData.newBuilder().setTopic("orders").setPartition(3)
            .setHighWatermark(10).build();
        SplicedMessage spliced = SplicedMessage.of(ReplicaFetchResponse.getDefaultInstance())
            .add(1, SplicedMessage.of(data).add(ReplicaFetchPartitionData.RECORD_BATCHES_FIELD_NUMBER, a))
            .add(1, SplicedMessage.of(data).add(ReplicaFetchPartitionData.RECORD_BATCHES_FIELD_NUMBER, b))
            .add(300, b);
        byte[] wire = drained(spliced);
        ReplicaFetchResponse stock = ReplicaFetchResponse.newBuilder()
            .addPartitions(data.toBuilder().setRecordBatches(fileBytes(a)))
            .addPartitions(data.toBuilder().setRecordBatches(fileBytes(b))).build();
        byte[] field300 = new byte[wire.length - stock.getSerializedSize()];
        System.arraycopy(wire, stock.getSerializedSize(), field300, 0, field300.length);
        assertArrayEquals(stock.toByteArray(), Arrays.copyOf(wire, stock.getSerializedSize()));
        CodedInputStream in = CodedInputStream.newInstance(field300);
        assertEquals(300 << 3 | 2, in.readTag());
        assertEquals(fileBytes(b), in.readBytes());
        assertTrue(in.isAtEnd());
    }

    @Test
    void readingInsteadOfDrainingGivesTheSameBytes() throws IOException {
        Fetch fetch = fetch();
        byte[] read = SplicingMarshaller.INSTANCE.stream(fetch.spliced()).readAllBytes();
        assertArrayEquals(drained(fetch.spliced()), read);
    }

    @Test
    void aFileThatCannotBeReadFailsTheDrain() throws IOException {
        SplicedMessage pastTheEnd = SplicedMessage.of(ReplicaFetchResponse.getDefaultInstance())
            .add(1, SplicedMessage.of(ReplicaFetchPartitionData.newBuilder().setTopic("t").build())
                .add(9, new FileSlice(channel, file.length - 100, 1000)));
        assertThrows(IOException.class, () -> drained(pastTheEnd));

        SplicedMessage closed = fetch().spliced();
        channel.close();
        assertThrows(IOException.class, () -> drained(closed));
    }

    @Test
    void overGrpcAClientParsesTheAnswerAndAFailedReadFailsTheCall() throws Exception {
        Supplier<SplicedMessage>[] answer = new Supplier[1];
        StreamObserverHandler handler = (request, response) -> {
            response.onNext(answer[0].get());
            response.onCompleted();
        };
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(SplicingMarshaller.spliced(new BrokerGrpc.BrokerImplBase() { }.bindService(),
                BrokerGrpc.getFetchMethod(), ServerCalls.asyncUnaryCall(handler::answer)))
            .build().start();
        ManagedChannel client = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext()
            .maxInboundMessageSize(64 * 1024 * 1024).build();
        try {
            BrokerGrpc.BrokerBlockingStub stub = BrokerGrpc.newBlockingStub(client).withDeadlineAfter(30, TimeUnit.SECONDS);
            Fetch fetch = fetch();
            answer[0] = fetch::spliced;
            assertEquals(fetch.stock(), stub.fetch(FetchRequest.getDefaultInstance()));

            SplicedMessage unreadable = fetch().spliced();
            channel.close();
            answer[0] = () -> unreadable;
            StatusRuntimeException failed = assertThrows(StatusRuntimeException.class,
                () -> stub.fetch(FetchRequest.getDefaultInstance()));
            assertTrue(failed.getStatus().getCode() != Status.Code.OK);
        } finally {
            client.shutdownNow();
            server.shutdownNow();
        }
    }

    private interface StreamObserverHandler {
        void answer(FetchRequest request, StreamObserver<SplicedMessage> response);
    }
}
