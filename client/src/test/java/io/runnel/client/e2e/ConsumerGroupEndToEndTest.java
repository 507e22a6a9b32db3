package io.runnel.client.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runnel.broker.node.TestCluster;
import io.runnel.client.admin.RunnelAdmin;
import io.runnel.client.common.TopicPartition;
import io.runnel.client.consumer.ConsumerRecord;
import io.runnel.client.consumer.GroupConfig;
import io.runnel.client.consumer.RebalanceListener;
import io.runnel.client.consumer.RunnelConsumer;
import io.runnel.client.producer.ProducerConfig;
import io.runnel.client.producer.ProducerRecord;
import io.runnel.client.producer.RunnelProducer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Group consumers against a real node: members join and leave while records flow, every produced
 * record is processed at least once, and no partition is ever owned by two consumers at once (as
 * the consumers' own rebalance callbacks see it).
 */
class ConsumerGroupEndToEndTest {
    @TempDir
    static Path tmp;
    private static TestCluster cluster;
    private static String bootstrap;
    private static RunnelAdmin admin;

    @BeforeAll
    static void startNode() throws Exception {
        cluster = TestCluster.start(tmp, 1, Map.of("offsets.topic.num.partitions", "2", "group.min.session.timeout.ms", "500",
            "group.heartbeat.interval.ms", "100"));
        bootstrap = cluster.bootstrap();
        admin = new RunnelAdmin(bootstrap);
    }

    @AfterAll
    static void stopNode() {
        admin.close();
        cluster.close();
    }

    private static GroupConfig config(String group, String assignor) {
        return GroupConfig.of(group).withAssignor(assignor).withSessionTimeoutMs(2000).withAutoCommit(true, 200);
    }

    /** One consumer on its own thread, recording what it processed and what it owns. */
    private static final class Worker implements Runnable {
        final String name;
        final RunnelConsumer consumer;
        final Set<String> processed;
        final Map<TopicPartition, String> owners;
        final List<String> violations;
        final AtomicBoolean stop = new AtomicBoolean();
        final Set<TopicPartition> mine = ConcurrentHashMap.newKeySet();
        final Thread thread;

        Worker(String name, GroupConfig config, String topic, Set<String> processed, Map<TopicPartition, String> owners,
               List<String> violations) {
            this.name = name;
            this.consumer = new RunnelConsumer(bootstrap, RunnelConsumer.OffsetReset.EARLIEST, 1 << 20, config);
            this.processed = processed;
            this.owners = owners;
            this.violations = violations;
            consumer.subscribe(List.of(topic), new RebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    partitions.forEach(tp -> {
                        owners.remove(tp, Worker.this.name);
                        mine.remove(tp);
                    });
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    partitions.forEach(tp -> {
                        String before = owners.putIfAbsent(tp, Worker.this.name);
                        if (before != null) {
                            violations.add(tp + " given to " + Worker.this.name + " while " + before + " owns it");
                        }
                        mine.add(tp);
                    });
                }
            });
            this.thread = new Thread(this, name);
            thread.start();
        }

        @Override
        public void run() {
            try {
                while (!stop.get()) {
                    for (ConsumerRecord r : consumer.poll(Duration.ofMillis(50))) {
                        processed.add(r.partition() + "/" + r.offset());
                    }
                }
            } finally {
                // Processing has stopped: the partitions are no longer in use here. close() then
                // commits what was polled and leaves, and the partitions move at once.
                mine.forEach(tp -> owners.remove(tp, name));
                consumer.close();
            }
        }

        void stopAndJoin() throws InterruptedException {
            stop.set(true);
            thread.join(30_000);
        }
    }

    private static int produce(String topic, int from, int count) {
        try (RunnelProducer producer = new RunnelProducer(ProducerConfig.defaults(bootstrap))) {
            for (int i = from; i < from + count; i++) {
                producer.send(new ProducerRecord(topic, ("k" + i).getBytes(), ("v" + i).getBytes()));
            }
            producer.flush();
        }
        return count;
    }

    private static long endOffsets(String topic, int partitions) {
        long total = 0;
        try (RunnelConsumer probe = new RunnelConsumer(bootstrap, RunnelConsumer.OffsetReset.EARLIEST, 1 << 20)) {
            List<TopicPartition> tps = new ArrayList<>();
            for (int p = 0; p < partitions; p++) {
                tps.add(new TopicPartition(topic, p));
            }
            probe.assign(tps);
            probe.seekToEnd(tps);
            for (TopicPartition tp : tps) {
                total += probe.position(tp);
            }
        }
        return total;
    }

    @Test
    void atLeastOnce_membersJoinAndLeaveDuringConsumption_everyRecordProcessed_noPartitionOwnedTwice() throws Exception {
        admin.createTopic("events", 12, 1, Map.of());
        Set<String> processed = ConcurrentHashMap.newKeySet();
        Map<TopicPartition, String> owners = new ConcurrentHashMap<>();
        List<String> violations = new CopyOnWriteArrayList<>();
        GroupConfig config = config("loaders", "roundrobin");
        produce("events", 0, 2000);

        Worker a = new Worker("a", config, "events", processed, owners, violations);
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> a.mine.size() == 12);
        Worker b = new Worker("b", config, "events", processed, owners, violations);
        Worker c = new Worker("c", config, "events", processed, owners, violations);
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> a.mine.size() == 4 && b.mine.size() == 4
            && c.mine.size() == 4);
        produce("events", 2000, 2000);
        b.stopAndJoin(); // leaves mid-stream
        Worker d = new Worker("d", config, "events", processed, owners, violations);
        produce("events", 4000, 2000);
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> a.mine.size() + c.mine.size() + d.mine.size() == 12
            && d.mine.size() == 4);

        long produced = endOffsets("events", 12);
        assertEquals(6000, produced);
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> processed.size() == produced);
        for (Worker w : List.of(a, c, d)) {
            w.stopAndJoin();
        }
        assertTrue(violations.isEmpty(), violations.toString());

        // What was committed on close is where a new member starts: nothing left to read.
        try (RunnelConsumer late = new RunnelConsumer(bootstrap, RunnelConsumer.OffsetReset.EARLIEST, 1 << 20, config)) {
            Set<TopicPartition> all = new HashSet<>();
            for (int p = 0; p < 12; p++) {
                all.add(new TopicPartition("events", p));
            }
            Map<TopicPartition, Long> committed = late.committed(all);
            assertEquals(12, committed.size());
            assertEquals(produced, committed.values().stream().mapToLong(Long::longValue).sum());
        }
    }

    /**
     * Issue 12, through a real rebalance: a member that keeps some of its partitions when another
     * joins goes on receiving their records while records keep arriving. (It stalled on them when
     * chunks fetched before the rebalance were still queued as the fetcher was re-targeted.)
     */
    @Test
    void rebalance_aMemberKeepsReadingThePartitionsItKept_whileAnotherJoinsAndRecordsKeepComing() throws Exception {
        String topic = "kept";
        admin.createTopic(topic, 4, 1, Map.of());
        Map<TopicPartition, String> owners = new ConcurrentHashMap<>();
        List<String> violations = new CopyOnWriteArrayList<>();
        GroupConfig config = config("keepers", "range");
        AtomicBoolean producing = new AtomicBoolean(true);
        List<Throwable> produceFailures = new CopyOnWriteArrayList<>();
        Thread producer = new Thread(() -> {
            try (RunnelProducer p = new RunnelProducer(ProducerConfig.defaults(bootstrap))) {
                for (int i = 0; producing.get(); i++) {
                    p.send(new ProducerRecord(topic, i % 4, null, null, ("v" + i).getBytes(), List.of())).join();
                }
            } catch (RuntimeException e) {
                produceFailures.add(e);
            }
        }, "kept-producer");
        producer.start();

        Set<String> processedByA = ConcurrentHashMap.newKeySet();
        Worker a = new Worker("a", config, topic, processedByA, owners, violations);
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> a.mine.size() == 4
            && processedByA.stream().map(r -> r.split("/")[0]).distinct().count() == 4);
        Worker b = new Worker("b", config, topic, ConcurrentHashMap.newKeySet(), owners, violations);
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> a.mine.size() == 2 && b.mine.size() == 2);
        Set<TopicPartition> kept = Set.copyOf(a.mine);

        // Records produced from now on, well after the rebalance, reach a in every partition it kept.
        Map<Integer, Long> endAfterRebalance = admin.offsets(topic, RunnelAdmin.LATEST);
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> kept.stream()
            .allMatch(tp -> processedByA.contains(tp.partition() + "/" + (endAfterRebalance.get(tp.partition()) + 20))));

        producing.set(false);
        producer.join(30_000);
        a.stopAndJoin();
        b.stopAndJoin();
        assertEquals(Set.copyOf(a.mine), kept, "a kept its partitions throughout");
        assertTrue(produceFailures.isEmpty(), produceFailures.toString());
        assertTrue(violations.isEmpty(), violations.toString());
    }

    @Test
    void patternSubscription_picksUpANewTopic_andBadSettingsAreNamed() throws Exception {
        admin.createTopic("metrics-eu", 2, 1, Map.of());
        try (RunnelConsumer consumer = new RunnelConsumer(bootstrap, RunnelConsumer.OffsetReset.EARLIEST, 1 << 20,
                config("dashboards", "range"))) {
            consumer.subscribe(Pattern.compile("metrics-.*"), RebalanceListener.NONE);
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> {
                consumer.poll(Duration.ofMillis(50));
                return consumer.assignment().size() == 2;
            });
            admin.createTopic("metrics-us", 3, 1, Map.of());
            produce("metrics-us", 0, 10);
            List<ConsumerRecord> seen = new ArrayList<>();
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> {
                seen.addAll(consumer.poll(Duration.ofMillis(50)));
                return consumer.assignment().size() == 5 && seen.size() == 10;
            });
            assertThrows(IllegalStateException.class, () -> consumer.assign(List.of(new TopicPartition("metrics-eu", 0))));
        }
        assertThrows(IllegalArgumentException.class, () -> GroupConfig.of("g").withAssignor("fastest"));
        assertThrows(IllegalArgumentException.class, () -> GroupConfig.of(""));
        try (RunnelConsumer plain = new RunnelConsumer(bootstrap, RunnelConsumer.OffsetReset.EARLIEST, 1 << 20)) {
            assertThrows(IllegalStateException.class, () -> plain.subscribe(List.of("metrics-eu"), RebalanceListener.NONE));
        }
    }

    @Test
    void aConsumerThatStopsPolling_leavesTheGroup_andRejoinsOnItsNextPoll() {
        admin.createTopic("slow", 2, 1, Map.of());
        List<TopicPartition> lost = new CopyOnWriteArrayList<>();
        GroupConfig config = config("slowpokes", "range").withMaxPollIntervalMs(600);
        try (RunnelConsumer consumer = new RunnelConsumer(bootstrap, RunnelConsumer.OffsetReset.EARLIEST, 1 << 20, config)) {
            consumer.subscribe(List.of("slow"), new RebalanceListener() {
                @Override
                public void onPartitionsLost(Collection<TopicPartition> partitions) {
                    lost.addAll(partitions);
                }
            });
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> {
                consumer.poll(Duration.ofMillis(50));
                return consumer.assignment().size() == 2;
            });
            // No poll from here: the heartbeat thread alone must not keep the partitions.
            Awaitility.await().atMost(Duration.ofSeconds(10)).ignoreExceptions()
                .until(() -> admin.describeGroup("slowpokes").members().isEmpty());
            consumer.poll(Duration.ofMillis(10));
            assertEquals(2, lost.size(), "the partitions were lost, not revoked: another member may own them");
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> {
                consumer.poll(Duration.ofMillis(50));
                return consumer.assignment().size() == 2;
            });
        }
    }
}
