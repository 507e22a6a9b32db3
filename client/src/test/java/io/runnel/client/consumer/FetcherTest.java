package io.runnel.client.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.MethodDescriptor;
import io.runnel.broker.node.SharedNode;
import io.runnel.broker.node.TestCluster;
import io.runnel.client.common.Bootstrap;
import io.runnel.client.common.ClusterMetadata;
import io.runnel.client.common.TopicPartition;
import io.runnel.client.producer.ProducerConfig;
import io.runnel.client.producer.ProducerRecord;
import io.runnel.client.producer.RunnelProducer;
import io.runnel.proto.v1.FetchRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The fetch thread against a real node: what it queues for a set of targets, and the generation each chunk carries. */
@ExtendWith(SharedNode.class)
class FetcherTest {
    private static final TopicPartition TP = new TopicPartition("fetched", 0);
    private static TestCluster cluster;

    @BeforeAll
    static void startNode(TestCluster shared) {
        cluster = shared;
        cluster.createTopic(TP.topic(), 1, 1, Map.of());
        try (RunnelProducer producer = new RunnelProducer(ProducerConfig.defaults(cluster.bootstrap()))) {
            for (int i = 0; i < 5; i++) {
                producer.send(new ProducerRecord(TP.topic(), null, ("r" + i).getBytes())).join();
            }
        }
    }

    /** Every chunk the fetcher queues, in order, until {@code enough} accepts what was seen. */
    private static List<Fetcher.Chunk> pollUntil(Fetcher fetcher, Predicate<List<Fetcher.Chunk>> enough) {
        List<Fetcher.Chunk> seen = new ArrayList<>();
        Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> {
            Fetcher.Chunk c = fetcher.poll(TimeUnit.MILLISECONDS.toNanos(100));
            if (c != null) {
                seen.add(c);
            }
            return enough.test(seen);
        });
        return seen;
    }

    /** Chunks of the current generation, until they reach {@code endOffset}; chunks of older generations are collected apart. */
    private static List<Fetcher.Chunk> chunksUpTo(Fetcher fetcher, long endOffset, List<Fetcher.Chunk> older) {
        long generation = fetcher.generation();
        List<Fetcher.Chunk> current = new ArrayList<>();
        for (Fetcher.Chunk c : pollUntil(fetcher, seen -> seen.stream()
                .anyMatch(k -> k.generation() == generation && k.nextOffset() >= endOffset))) {
            (c.generation() == generation ? current : older).add(c);
        }
        return current;
    }

    @Test
    void chunks_continueEachOther_fromTheTarget_andCarryItsGeneration() {
        try (Bootstrap bootstrap = new Bootstrap(cluster.bootstrap())) {
            Fetcher fetcher = new Fetcher(bootstrap, new ClusterMetadata(bootstrap), 1 << 20, new ClientInterceptor[0]);
            try {
                fetcher.retarget(Map.of(TP, 2L));
                List<Fetcher.Chunk> older = new ArrayList<>();
                List<Fetcher.Chunk> chunks = chunksUpTo(fetcher, 5, older);
                assertTrue(older.isEmpty(), "nothing was fetched before the first targets");
                assertEquals(2, chunks.get(0).fromOffset());
                List<String> values = new ArrayList<>();
                long expectedFrom = 2;
                for (Fetcher.Chunk c : chunks) {
                    assertEquals(1, c.generation());
                    assertEquals(expectedFrom, c.fromOffset(), "each chunk starts where the last one ended");
                    c.records().forEach(r -> values.add(new String(r.value())));
                    expectedFrom = c.nextOffset();
                }
                assertEquals(List.of("r2", "r3", "r4"), values);

                fetcher.retarget(Map.of(TP, 0L));
                List<Fetcher.Chunk> again = chunksUpTo(fetcher, 5, older);
                assertEquals(2, fetcher.generation());
                assertEquals(0, again.get(0).fromOffset(), "a new generation starts at its own target");
            } finally {
                fetcher.close();
            }
        }
    }

    @Test
    void aTargetOutsideTheLog_isQueuedAsOutOfRange() {
        try (Bootstrap bootstrap = new Bootstrap(cluster.bootstrap())) {
            Fetcher fetcher = new Fetcher(bootstrap, new ClusterMetadata(bootstrap), 1 << 20, new ClientInterceptor[0]);
            try {
                fetcher.retarget(Map.of(TP, 1_000L));
                Fetcher.Chunk c = pollUntil(fetcher, seen -> !seen.isEmpty()).get(0);
                assertTrue(c.outOfRange());
                assertEquals(1_000L, c.fromOffset());
                assertTrue(c.records().isEmpty());
            } finally {
                fetcher.close();
            }
        }
    }

    @Test
    void eachPartitionAsksForAtMostOneMebibyte_whateverTheWholeFetchMayReturn() {
        List<FetchRequest> sent = new CopyOnWriteArrayList<>();
        ClientInterceptor recording = new ClientInterceptor() {
            @Override
            public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
                return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
                    @Override
                    public void sendMessage(Q message) {
                        if (message instanceof FetchRequest request) {
                            sent.add(request);
                        }
                        super.sendMessage(message);
                    }
                };
            }
        };
        try (Bootstrap bootstrap = new Bootstrap(cluster.bootstrap())) {
            Fetcher fetcher = new Fetcher(bootstrap, new ClusterMetadata(bootstrap), 50 << 20, new ClientInterceptor[] {recording});
            try {
                fetcher.retarget(Map.of(TP, 0L));
                pollUntil(fetcher, seen -> !seen.isEmpty());
                FetchRequest first = sent.get(0);
                assertEquals(50 << 20, first.getMaxBytes());
                assertEquals(Fetcher.MAX_PARTITION_FETCH_BYTES, first.getTopics(0).getPartitions(0).getPartitionMaxBytes());
                assertEquals(1 << 20, Fetcher.MAX_PARTITION_FETCH_BYTES);
            } finally {
                fetcher.close();
            }
        }
    }
}
