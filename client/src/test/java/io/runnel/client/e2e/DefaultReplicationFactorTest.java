package io.runnel.client.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runnel.broker.node.TestCluster;
import io.runnel.client.admin.RunnelAdmin;
import io.runnel.client.admin.RunnelAdmin.AdminException;
import io.runnel.client.cli.RunnelCli;
import io.runnel.client.producer.ProducerConfig;
import io.runnel.client.producer.ProducerRecord;
import io.runnel.client.producer.RecordMetadata;
import io.runnel.client.producer.RunnelProducer;
import io.runnel.proto.v1.ErrorCode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16 item 3: three nodes set up as the compose file and the StatefulSet are
 * ({@code default.min.insync.replicas=2}, {@code default.replication.factor=3}). A topic created
 * without a replication factor gets three replicas, so acks=all produces to it are accepted;
 * before, the CLI asked for one replica and every acks=all produce was refused until the
 * delivery timeout.
 */
class DefaultReplicationFactorTest {
    @TempDir
    static Path tmp;
    private static TestCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        cluster = TestCluster.start(tmp, 3, Map.of("default.min.insync.replicas", "2", "default.replication.factor", "3",
            "auto.create.topics.enable", "true", "num.partitions", "2"));
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    private static int cli(StringWriter out, StringWriter err, String... args) {
        return RunnelCli.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    }

    @Test
    void topicCreatedWithoutAReplicationFactor_getsTheNodeDefault_andAcksAllProducesAreAccepted() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        assertEquals(0, cli(out, err, "--bootstrap", cluster.bootstrap(), "topic", "create", "no-flags", "--partitions", "2"),
            err.toString());
        try (RunnelAdmin admin = new RunnelAdmin(cluster.bootstrap())) {
            // The broker that answers may not have applied the new topic's record yet: wait until it has.
            Awaitility.await().atMost(Duration.ofSeconds(10)).ignoreExceptions()
                .until(() -> admin.describeTopic("no-flags").getPartitionsCount() == 2);
            admin.describeTopic("no-flags").getPartitionsList()
                .forEach(p -> assertEquals(3, p.getReplicasCount(), "replicas of partition " + p.getPartition()));
        }
        try (RunnelProducer producer = new RunnelProducer(ProducerConfig.defaults(cluster.bootstrap())
                .withRequestTimeoutMs(5000))) {
            RecordMetadata m = Awaitility.await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> producer
                .send(new ProducerRecord("no-flags", "k".getBytes(), "v".getBytes())).get(10, TimeUnit.SECONDS), r -> r != null);
            assertEquals("no-flags", m.topic());
        }
    }

    /**
     * Issue 16 item 3: auto.create.topics.enable (off by default). A producer's records for a
     * topic that does not exist make the cluster create it (num.partitions, the replication
     * default, so min.insync.replicas=2 is met) and are then delivered; without it they would wait
     * out the delivery timeout and fail as "does not exist". A plain Metadata call (describe)
     * creates nothing.
     */
    @Test
    void autoCreate_aProducersMissingTopicIsCreatedWithTheDefaults_aDescribeCreatesNothing() throws Exception {
        try (RunnelAdmin admin = new RunnelAdmin(cluster.bootstrap(), Duration.ZERO)) {
            AdminException missing = assertThrows(AdminException.class, () -> admin.describeTopic("looked-at"));
            assertEquals(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, missing.code());
            assertFalse(admin.listTopics().contains("looked-at"), "describe created nothing");
        }
        try (RunnelProducer producer = new RunnelProducer(ProducerConfig.defaults(cluster.bootstrap())
                .withDeliveryTimeoutMs(20_000))) {
            RecordMetadata m = producer.send(new ProducerRecord("made-by-producing", "k".getBytes(), "v".getBytes()))
                .get(30, TimeUnit.SECONDS);
            assertEquals("made-by-producing", m.topic());
        }
        try (RunnelAdmin admin = new RunnelAdmin(cluster.bootstrap())) {
            Awaitility.await().atMost(Duration.ofSeconds(10)).ignoreExceptions()
                .until(() -> admin.describeTopic("made-by-producing").getPartitionsCount() == 2);
            admin.describeTopic("made-by-producing").getPartitionsList()
                .forEach(p -> assertEquals(3, p.getReplicasCount(), "replicas of partition " + p.getPartition()));
        }
    }

    @Test
    void aReplicationFactorAboveTheLiveBrokers_isRefused_namingBothNumbers() {
        try (RunnelAdmin admin = new RunnelAdmin(cluster.bootstrap(), Duration.ZERO)) {
            AdminException e = assertThrows(AdminException.class, () -> admin.createTopic("too-many", 1, 4, Map.of()));
            assertEquals(ErrorCode.INVALID_REPLICATION_FACTOR, e.code());
            assertTrue(e.getMessage().contains("replication factor 4 is more than the 3 live brokers"), e.getMessage());
        }
    }

    @Test
    void aDefaultAboveTheLiveBrokers_isRefused_namingTheSettingAndBothNumbers(@TempDir Path dir) throws Exception {
        try (TestCluster one = TestCluster.start(dir, 1, Map.of("default.replication.factor", "3"));
             RunnelAdmin admin = new RunnelAdmin(one.bootstrap(), Duration.ZERO)) {
            AdminException e = assertThrows(AdminException.class, () -> admin.createTopic("defaulted", 1,
                RunnelAdmin.CLUSTER_DEFAULT_REPLICATION, Map.of()));
            assertEquals(ErrorCode.INVALID_REPLICATION_FACTOR, e.code());
            assertTrue(e.getMessage().contains("topic 'defaulted' gives no replication factor and the default 3 "
                + "(default.replication.factor) is more than the 1 live brokers"), e.getMessage());
        }
    }
}
