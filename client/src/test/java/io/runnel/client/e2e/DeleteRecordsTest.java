package io.runnel.client.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runnel.broker.node.TestCluster;
import io.runnel.broker.partition.TopicPartition;
import io.runnel.client.admin.RunnelAdmin;
import io.runnel.client.producer.ProducerConfig;
import io.runnel.client.producer.ProducerRecord;
import io.runnel.client.producer.RunnelProducer;
import io.runnel.proto.v1.BrokerGrpc;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.FetchPartition;
import io.runnel.proto.v1.FetchPartitionResponse;
import io.runnel.proto.v1.FetchRequest;
import io.runnel.proto.v1.FetchTopic;
import io.runnel.proto.v1.Record;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16 item 4, delete records up to an offset: three real nodes, 100 records in one partition
 * with 3 replicas. {@code runnel topic delete-records} moves the leader's log start offset to 40
 * (inside a segment); the followers follow through the log start offset in their fetch answers;
 * a fetch below it is OFFSET_OUT_OF_RANGE with log_start_offset filled; after every node restarts
 * the start is still 40 on each replica and records 40..99 are intact.
 */
class DeleteRecordsTest {
    private static final String TOPIC = "trimmed";

    @TempDir
    Path tmp;

    private static FetchPartitionResponse fetch(TestCluster cluster, int broker, long offset) {
        return BrokerGrpc.newBlockingStub(cluster.clientChannel(broker)).fetch(FetchRequest.newBuilder().setRecordsAsMessages(true)
            .addTopics(FetchTopic.newBuilder().setTopic(TOPIC).addPartitions(FetchPartition.newBuilder().setPartition(0)
                .setFetchOffset(offset).setCurrentLeaderEpoch(-1).setPartitionMaxBytes(1 << 20))).build())
            .getTopics(0).getPartitions(0);
    }

    private static long logStart(TestCluster cluster, int broker) {
        return cluster.node(broker).replicaManager().partition(new TopicPartition(TOPIC, 0))
            .orElseThrow().log().logStartOffset();
    }

    @Test
    void leaderAndFollowersMoveTheirStart_fetchesBelowAreOutOfRange_andTheStartAndDataSurviveRestarts() throws Exception {
        try (TestCluster cluster = TestCluster.start(tmp, 3, Map.of()); RunnelAdmin admin = new RunnelAdmin(cluster.bootstrap())) {
            String bootstrap = cluster.bootstrap();
            cluster.createTopic(TOPIC, 1, 3, Map.of());
            try (RunnelProducer producer = new RunnelProducer(ProducerConfig.defaults(bootstrap))) {
                for (int i = 0; i < 100; i++) {
                    producer.send(new ProducerRecord(TOPIC, 0, 0L, null, ("v" + i).getBytes(StandardCharsets.UTF_8), null));
                }
                producer.flush();
            }
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> IntStream.rangeClosed(1, 3)
                .allMatch(b -> cluster.logEndOffset(b, TOPIC, 0) == 100));
            int leader = admin.describeTopic(TOPIC).getPartitions(0).getLeaderId();

            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            assertEquals(0, Cli.run(bootstrap, out, err, "topic", "delete-records", TOPIC, "--partition", "0", "--before-offset", "40"),
                err.toString());
            assertTrue(out.toString().contains(TOPIC + "-0: log start offset is now 40"), out.toString());
            assertEquals(40, logStart(cluster, leader));
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> IntStream.rangeClosed(1, 3)
                .allMatch(b -> logStart(cluster, b) == 40));

            FetchPartitionResponse below = fetch(cluster, leader, 10);
            assertEquals(ErrorCode.OFFSET_OUT_OF_RANGE, below.getError(), below.getErrorMessage());
            assertEquals(40, below.getLogStartOffset());
            assertEquals(100, below.getHighWatermark());
            assertEquals(Map.of(0, 40L), admin.offsets(TOPIC, RunnelAdmin.EARLIEST));

            // Past the high watermark: refused, nothing moves.
            err = new StringWriter();
            assertEquals(1, Cli.run(bootstrap, new StringWriter(), err, "topic", "delete-records", TOPIC, "--partition", "0",
                "--before-offset", "101"));
            assertTrue(err.toString().contains("OFFSET_OUT_OF_RANGE"), err.toString());
            assertEquals(40, logStart(cluster, leader));

            for (int b = 1; b <= 3; b++) {
                cluster.halt(b);
            }
            for (int b = 1; b <= 3; b++) {
                cluster.restart(b);
            }
            cluster.awaitLiveBrokers(3);
            for (int b = 1; b <= 3; b++) {
                assertEquals(40, logStart(cluster, b), "broker " + b + " kept its log start offset");
            }
            Awaitility.await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                .until(() -> admin.offsets(TOPIC, RunnelAdmin.EARLIEST).equals(Map.of(0, 40L)));
            int newLeader = admin.describeTopic(TOPIC).getPartitions(0).getLeaderId();
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> fetch(cluster, newLeader, 40).getError() == ErrorCode.NONE);
            List<Record> kept = fetch(cluster, newLeader, 40).getRecords().getRecordsList().stream()
                .filter(r -> r.getOffset() >= 40).toList();
            assertEquals(IntStream.range(40, 100).boxed().toList(), kept.stream().map(r -> (int) r.getOffset()).toList());
            assertEquals(IntStream.range(40, 100).mapToObj(i -> "v" + i).toList(),
                kept.stream().map(r -> r.getValue().toStringUtf8()).toList());
            assertEquals(ErrorCode.OFFSET_OUT_OF_RANGE, fetch(cluster, newLeader, 39).getError());
        }
    }
}
