package io.runnel.faultsuite.workload;

import io.runnel.client.common.TopicPartition;
import io.runnel.client.consumer.ConsumerRecord;
import io.runnel.client.consumer.GroupConfig;
import io.runnel.client.consumer.RebalanceListener;
import io.runnel.client.consumer.RunnelConsumer;
import io.runnel.faultsuite.history.Event;
import io.runnel.faultsuite.history.History;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Members of one consumer group (auto commit every second), each on its own thread, polling the
 * workload topic and recording every record polled and every partition given, revoked or lost.
 */
public final class Consumers implements AutoCloseable {
    private final String bootstrap;
    private final String topic;
    private final int count;
    private final GroupConfig group;
    private final History history;
    private final PrintStream log;
    private final List<Thread> threads = new ArrayList<>();
    private final Set<String> seen = ConcurrentHashMap.newKeySet();
    private volatile boolean running = true;

    public Consumers(String bootstrap, String topic, int count, String groupId, int sessionTimeoutMs, History history,
                     PrintStream log) {
        this.bootstrap = bootstrap;
        this.topic = topic;
        this.count = count;
        this.group = GroupConfig.of(groupId).withSessionTimeoutMs(sessionTimeoutMs).withAutoCommit(true, 1000);
        this.history = history;
        this.log = log;
    }

    public void start() {
        for (int c = 0; c < count; c++) {
            int id = c;
            Thread t = new Thread(() -> pollLoop(id), "consumer-" + c);
            threads.add(t);
            t.start();
        }
    }

    /** Values any member has polled so far. */
    public Set<String> seen() {
        return Set.copyOf(seen);
    }

    private void pollLoop(int id) {
        try (RunnelConsumer consumer = new RunnelConsumer(bootstrap, RunnelConsumer.OffsetReset.EARLIEST, 1 << 20,
            group.withClientId("fault-consumer-" + id))) {
            consumer.subscribe(List.of(topic), listener(id));
            while (running) {
                try {
                    for (ConsumerRecord r : consumer.poll(Duration.ofMillis(200))) {
                        String value = new String(r.value(), StandardCharsets.UTF_8);
                        history.record(at -> new Event.Polled(at, id, r.partition(), r.offset(), value));
                        seen.add(value);
                    }
                } catch (RuntimeException e) {
                    log.println("consumer " + id + ": poll failed: " + e);
                }
            }
        } catch (RuntimeException e) {
            log.println("consumer " + id + ": stopped: " + e);
        }
    }

    private RebalanceListener listener(int id) {
        return new RebalanceListener() {
            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                history.record(at -> new Event.Assigned(at, id, numbers(partitions)));
            }

            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                history.record(at -> new Event.Revoked(at, id, numbers(partitions), false));
            }

            @Override
            public void onPartitionsLost(Collection<TopicPartition> partitions) {
                history.record(at -> new Event.Revoked(at, id, numbers(partitions), true));
            }
        };
    }

    private static List<Integer> numbers(Collection<TopicPartition> partitions) {
        return partitions.stream().map(TopicPartition::partition).sorted().toList();
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        for (Thread t : threads) {
            t.join(30_000);
        }
    }
}
