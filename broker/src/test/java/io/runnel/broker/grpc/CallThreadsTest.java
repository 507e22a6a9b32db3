package io.runnel.broker.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.ByteString;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.Status;
import io.runnel.broker.node.TestCluster;
import io.runnel.broker.partition.TopicPartition;
import io.runnel.log.Log;
import io.runnel.proto.v1.AdminGrpc;
import io.runnel.proto.v1.BrokerGrpc;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.PartitionProduceData;
import io.runnel.proto.v1.ProduceRequest;
import io.runnel.proto.v1.ProduceResponse;
import io.runnel.proto.v1.Record;
import io.runnel.proto.v1.RecordList;
import io.runnel.proto.v1.TopicProduceData;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Produce and Fetch run on the transport's event loop (no hand-off per call); whatever may wait
 * runs elsewhere, so it never stalls the calls that share its connection.
 */
class CallThreadsTest {
    @TempDir
    static Path tmp;
    private static TestCluster cluster;

    @BeforeAll
    static void start() throws IOException {
        cluster = TestCluster.start(tmp, 1, Map.of());
        cluster.createTopic("durable", 1, 1, Map.of("flush.policy", "sync"));
        cluster.createTopic("fast", 1, 1, Map.of());
        cluster.awaitLeadsAll(1, "durable", 1);
        cluster.awaitLeadsAll(1, "fast", 1);
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    private static ProduceRequest produce(String topic, String value) {
        return ProduceRequest.newBuilder().setAcks(1).setTimeoutMs(5000).addTopics(TopicProduceData.newBuilder()
            .setTopic(topic).addPartitions(PartitionProduceData.newBuilder().setPartition(0).setRecords(
                RecordList.newBuilder().addRecords(Record.newBuilder().setValue(ByteString.copyFromUtf8(value))))))
            .build();
    }

    @Test
    void aProduceWaitingForItsFsync_doesNotStallTheOtherCallsOnItsConnection() throws Exception {
        Log durable = cluster.node(1).replicaManager().partition(new TopicPartition("durable", 0)).orElseThrow().log();
        CountDownLatch syncing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        durable.beforeSyncForTest(() -> {
            syncing.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try {
            // One channel, so one connection and one event loop on the broker for both calls.
            BrokerGrpc.BrokerFutureStub broker = BrokerGrpc.newFutureStub(cluster.clientChannel(1));
            ListenableFuture<ProduceResponse> held = broker.produce(produce("durable", "waits for its fsync"));
            assertTrue(syncing.await(10, TimeUnit.SECONDS), "the sync-flush produce reached its fsync");

            // On the event loop, the held fsync would block the loop: this produce would not even be read.
            ProduceResponse other = broker.produce(produce("fast", "meanwhile")).get(10, TimeUnit.SECONDS);
            assertEquals(ErrorCode.NONE, other.getTopics(0).getPartitions(0).getError());
            assertFalse(held.isDone(), "the durable produce is answered only after its fsync");

            release.countDown();
            assertEquals(ErrorCode.NONE, held.get(10, TimeUnit.SECONDS).getTopics(0).getPartitions(0).getError());
        } finally {
            release.countDown();
            durable.beforeSyncForTest(() -> { });
        }
    }

    @Test
    void hotMethodsStayOnTheEventLoop_everythingElseGoesToThePool() {
        try (CallExecutors calls = new CallExecutors(Set.of(BrokerGrpc.getProduceMethod(), BrokerGrpc.getFetchMethod()), "test")) {
            assertNull(calls.getExecutor(new MethodOnlyCall<>(BrokerGrpc.getProduceMethod()), null));
            assertNull(calls.getExecutor(new MethodOnlyCall<>(BrokerGrpc.getFetchMethod()), null));
            assertSame(calls.mayBlock(), calls.getExecutor(new MethodOnlyCall<>(AdminGrpc.getCreateTopicsMethod()), null));
            assertSame(calls.mayBlock(), calls.getExecutor(new MethodOnlyCall<>(BrokerGrpc.getMetadataMethod()), null));
        }
    }

    /** A call that only knows its method: all {@link CallExecutors} looks at. */
    private static final class MethodOnlyCall<ReqT, RespT> extends ServerCall<ReqT, RespT> {
        private final MethodDescriptor<ReqT, RespT> method;

        MethodOnlyCall(MethodDescriptor<ReqT, RespT> method) {
            this.method = method;
        }

        @Override
        public MethodDescriptor<ReqT, RespT> getMethodDescriptor() {
            return method;
        }

        @Override
        public void request(int numMessages) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void sendHeaders(Metadata headers) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void sendMessage(RespT message) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void close(Status status, Metadata trailers) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean isCancelled() {
            return false;
        }
    }
}
