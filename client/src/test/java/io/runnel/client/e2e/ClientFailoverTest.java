package io.runnel.client.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Set;
import java.util.HashSet;
import io.runnel.client.consumer.RebalanceListener;
import io.runnel.client.consumer.GroupConfig;
import io.runnel.broker.node.TestCluster;
import io.runnel.client.admin.RunnelAdmin;
import io.runnel.client.common.TopicPartition;
import io.runnel.client.consumer.ConsumerRecord;
import io.runnel.client.consumer.RunnelConsumer;
import io.runnel.client.producer.ProducerConfig;
import io.runnel.client.producer.ProducerRecord;
import io.runnel.client.producer.RecordMetadata;
import io.runnel.client.producer.RunnelProducer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An idempotent producer keeps going while the partition leader's node stops, and nothing is lost or doubled. */
class ClientFailoverTest {
    @TempDir
    Path tmp;
    private TestCluster cluster;

    @AfterEach
    void tearDown() {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** Three combined nodes; returns the bootstrap list. */
    private String startCluster() throws Exception {
        cluster = TestCluster.start(tmp, 3, Map.of("offsets.topic.num.partitions", "3", "group.min.session.timeout.ms", "500",
            "group.heartbeat.interval.ms", "100"));
        return cluster.bootstrap();
    }

    @Test
    void leaderStopsMidStream_everyRecordOnceInOrder() throws Exception {
        String bootstrap = startCluster();
        try (RunnelAdmin admin = new RunnelAdmin(bootstrap)) {
            Awaitility.await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() ->
                admin.describeCluster().getImage().getBrokersList().stream().filter(b -> !b.getFenced()).count() == 3);
            admin.createTopic("orders", 1, 3, Map.of("min.insync.replicas", "2"));
            Awaitility.await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() ->
                admin.describeTopic("orders").getPartitions(0).getIsrCount() == 3);
            int leader = admin.describeTopic("orders").getPartitions(0).getLeaderId();

            List<CompletableFuture<RecordMetadata>> sent = new ArrayList<>();
            try (RunnelProducer producer = new RunnelProducer(ProducerConfig.defaults(bootstrap).withBatching(2048, 1)
                    .withRequestTimeoutMs(3000))) {
                for (int i = 0; i < 2000; i++) {
                    sent.add(producer.send(new ProducerRecord("orders", null, ("r" + i).getBytes())));
                    if (i == 700) {
                        sent.get(i).join(); // make sure the stream is well under way
                        cluster.halt(leader);
                    }
                }
            }
            sent.forEach(CompletableFuture::join);

            List<String> values = new ArrayList<>();
            try (RunnelConsumer consumer = new RunnelConsumer(bootstrap, RunnelConsumer.OffsetReset.EARLIEST, 1 << 20)) {
                consumer.assign(List.of(new TopicPartition("orders", 0)));
                long deadline = System.currentTimeMillis() + 30_000;
                while (values.size() < 2000 && System.currentTimeMillis() < deadline) {
                    for (ConsumerRecord r : consumer.poll(Duration.ofMillis(500))) {
                        values.add(new String(r.value()));
                    }
                }
                consumer.poll(Duration.ofMillis(500)).forEach(r -> values.add(new String(r.value())));
            }
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < 2000; i++) {
                expected.add("r" + i);
            }
            assertEquals(expected, values, "every acknowledged record exactly once, in order");
        }
    }

    @Test
    void groupResumesFromItsCommittedOffsets_afterTheCoordinatorsNodeStops() throws Exception {
        String bootstrap = startCluster();
        try (RunnelAdmin admin = new RunnelAdmin(bootstrap)) {
            Awaitility.await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() ->
                admin.describeCluster().getImage().getBrokersList().stream().filter(b -> !b.getFenced()).count() == 3);
            admin.createTopic("jobs", 6, 3, Map.of("min.insync.replicas", "2"));
            try (RunnelProducer producer = new RunnelProducer(ProducerConfig.defaults(bootstrap))) {
                for (int i = 0; i < 600; i++) {
                    producer.send(new ProducerRecord("jobs", ("k" + i).getBytes(), ("j" + i).getBytes()));
                }
                producer.flush();
            }
            GroupConfig config = GroupConfig.of("workers").withSessionTimeoutMs(3000).withAutoCommit(false, 1000);
            Map<TopicPartition, Long> committed;
            Set<TopicPartition> all = new HashSet<>();
            for (int p = 0; p < 6; p++) {
                all.add(new TopicPartition("jobs", p));
            }
            try (RunnelConsumer first = new RunnelConsumer(bootstrap, RunnelConsumer.OffsetReset.EARLIEST, 1 << 20, config)) {
                first.subscribe(List.of("jobs"), RebalanceListener.NONE);
                int[] seen = new int[1];
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
                    seen[0] += first.poll(Duration.ofMillis(100)).size();
                    return seen[0] >= 300 && first.assignment().size() == 6;
                });
                first.commitSync();
                committed = first.committed(all);
                assertEquals(6, committed.size());

                int coordinator = admin.describeGroup("workers").coordinatorId();
                cluster.halt(coordinator);
                // The member was replayed on the new coordinator: it keeps its partitions and can commit.
                Awaitility.await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
                    first.poll(Duration.ofMillis(50));
                    return admin.describeGroup("workers").coordinatorId() != coordinator
                        && first.committed(all).equals(committed);
                });
                assertEquals(6, first.assignment().size());
            }
            Map<TopicPartition, Long> firstSeen = new HashMap<>();
            long remaining = 600 - committed.values().stream().mapToLong(Long::longValue).sum();
            int[] read = new int[1];
            try (RunnelConsumer second = new RunnelConsumer(bootstrap, RunnelConsumer.OffsetReset.EARLIEST, 1 << 20, config)) {
                second.subscribe(List.of("jobs"), RebalanceListener.NONE);
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
                    for (ConsumerRecord r : second.poll(Duration.ofMillis(100))) {
                        firstSeen.putIfAbsent(new TopicPartition(r.topic(), r.partition()), r.offset());
                        read[0]++;
                    }
                    return read[0] >= remaining;
                });
            }
            assertEquals(remaining, read[0], "exactly the records after the committed offsets");
            firstSeen.forEach((tp, offset) -> assertEquals(committed.get(tp), offset, "the new member starts " + tp
                + " at the committed offset"));
        }
    }
}
