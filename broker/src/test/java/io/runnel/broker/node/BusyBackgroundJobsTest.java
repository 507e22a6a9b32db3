package io.runnel.broker.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.runnel.proto.v1.BrokerGrpc;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.FetchPartition;
import io.runnel.proto.v1.FetchPartitionResponse;
import io.runnel.proto.v1.FetchRequest;
import io.runnel.proto.v1.FetchTopic;
import io.runnel.proto.v1.PartitionProduceData;
import io.runnel.proto.v1.PartitionProduceResponse;
import io.runnel.proto.v1.ProduceRequest;
import io.runnel.proto.v1.Record;
import io.runnel.proto.v1.RecordList;
import io.runnel.proto.v1.TopicProduceData;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13 item 5 on a real node: with its retention/compaction thread held by a long task and
 * its only controller-call thread held too (a slow controller), the data path still runs: a long
 * poll ends on its purgatory timer, an acks=all produce completes, and after close every
 * executor of the node has stopped.
 */
class BusyBackgroundJobsTest {
    @TempDir
    Path tmp;
    private TestCluster cluster;
    private ManagedChannel channel;
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void tearDown() {
        release.countDown();
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void theDataPathRunsWhileCompactionAndControllerCallsAreStuck() throws Exception {
        cluster = TestCluster.start(tmp, 1, Map.of("controller.call.threads", "1", "log.retention.check.interval.ms", "50"));
        cluster.createTopic("t", 1, 1, Map.of());
        RunnelNode node = cluster.node(1);
        channel = cluster.clientChannel(1); // closed with the cluster
        for (ScheduledExecutorService stuck : List.of(node.executors().logMaintenance(), node.executors().controllerCalls())) {
            CountDownLatch running = new CountDownLatch(1);
            stuck.execute(() -> {
                running.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            assertTrue(running.await(30, TimeUnit.SECONDS));
        }

        // Nothing to read: the long poll waits in the fetch purgatory until its timer answers it.
        FetchPartitionResponse polled = BrokerGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
            .fetch(FetchRequest.newBuilder().setMaxWaitMs(200).setMinBytes(1).setMaxBytes(1 << 20)
                .addTopics(FetchTopic.newBuilder().setTopic("t").addPartitions(FetchPartition.newBuilder().setPartition(0)
                    .setFetchOffset(0).setCurrentLeaderEpoch(-1).setPartitionMaxBytes(1 << 20))).build())
            .getTopics(0).getPartitions(0);
        assertEquals(ErrorCode.NONE, polled.getError(), polled.getErrorMessage());
        assertTrue(polled.getRecordBatches().isEmpty());

        PartitionProduceResponse produced = BrokerGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
            .produce(ProduceRequest.newBuilder().setAcks(-1).setTimeoutMs(10_000).addTopics(TopicProduceData.newBuilder()
                .setTopic("t").addPartitions(PartitionProduceData.newBuilder().setPartition(0).setRecords(RecordList
                    .newBuilder().addRecords(Record.newBuilder().setValue(ByteString.copyFromUtf8("v")))))).build())
            .getTopics(0).getPartitions(0);
        assertEquals(ErrorCode.NONE, produced.getError(), produced.getErrorMessage());

        release.countDown();
        cluster.close();
        node.executors().all().forEach(e -> assertTrue(e.isTerminated(), e.toString()));
    }
}
