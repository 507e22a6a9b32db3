package io.runnel.metadata.bench;

import io.runnel.metadata.controller.QuorumController;
import io.runnel.metadata.quorum.QuorumServer;
import io.runnel.metadata.quorum.QuorumSettings;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Metadata throughput and latency through a 3-voter Ratis quorum on loopback (three voters in one
 * JVM, real gRPC between them, real Raft logs on disk): topic creations (each a Raft entry carrying
 * a TopicRecord and its PartitionRecords) and broker heartbeats to the active controller.
 *
 * <p>Usage: {@code MetadataBenchmark [--topics 1000] [--partitions-per-topic 10] [--heartbeats 10000]
 * [--inflight 32]}. The last line: {@code create_ops/s=<n> partitions/s=<n> create_p50_ms=<n>
 * create_p99_ms=<n> heartbeats/s=<n> heartbeat_p50_ms=<n> heartbeat_p99_ms=<n>}.
 */
public final class MetadataBenchmark {
    private MetadataBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, Integer> opts = new HashMap<>(Map.of("--topics", 1000, "--partitions-per-topic", 10,
            "--heartbeats", 10_000, "--inflight", 32));
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!opts.containsKey(args[i])) {
                System.err.println("unknown option " + args[i] + "; known: " + opts.keySet());
                System.exit(2);
            }
            opts.put(args[i], Integer.parseInt(args[i + 1]));
        }
        Path dir = Files.createTempDirectory("runnel-metadata-bench-");
        Map<Integer, InetSocketAddress> voters = new HashMap<>();
        for (int id = 1; id <= 3; id++) {
            try (ServerSocket s = new ServerSocket(0)) {
                voters.put(id, new InetSocketAddress("127.0.0.1", s.getLocalPort()));
            }
        }
        ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2);
        List<QuorumServer> servers = new ArrayList<>();
        List<QuorumController> controllers = new ArrayList<>();
        try {
            for (int id = 1; id <= 3; id++) {
                QuorumServer s = new QuorumServer(new QuorumSettings(id, voters, "127.0.0.1", dir.resolve("n" + id),
                    QuorumSettings.DEFAULT_CLUSTER_ID, 1000, 100_000)).start();
                servers.add(s);
                controllers.add(new QuorumController(s, Clock.systemUTC(), scheduler, 60_000, 2_000));
            }
            QuorumController active = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (active == null && System.nanoTime() < deadline) {
                for (int i = 0; i < 3; i++) {
                    if (servers.get(i).isActiveController()) {
                        active = controllers.get(i);
                    }
                }
                TimeUnit.MILLISECONDS.sleep(50); // waiting for an election in a benchmark main
            }
            if (active == null) {
                throw new IllegalStateException("no leader elected within 30 s");
            }
            List<Long> epochs = new ArrayList<>();
            for (int b = 0; b < 6; b++) {
                epochs.add(active.registerBroker(b, "bench-" + b, "127.0.0.1", 9092 + b, "").get(10, TimeUnit.SECONDS));
                active.heartbeat(b, epochs.get(b), Long.MAX_VALUE, false).get(10, TimeUnit.SECONDS);
            }
            int topics = opts.get("--topics");
            int ppt = opts.get("--partitions-per-topic");
            QuorumController c = active;
            double[] create = run(topics, opts.get("--inflight"),
                i -> c.createTopic("bench-" + i, ppt, 3, Map.of()).thenApply(r -> null));
            int heartbeats = opts.get("--heartbeats");
            double[] beat = run(heartbeats, opts.get("--inflight"),
                i -> c.heartbeat(i % 6, epochs.get(i % 6), Long.MAX_VALUE, false).thenApply(r -> null));
            System.out.printf("3 voters on loopback: %d topic creations x %d partitions RF3 over 6 brokers, %d heartbeats%n",
                topics, ppt, heartbeats);
            System.out.printf("create topic: %.0f ops/s (%.0f partitions/s), latency p50 %.2f ms, p99 %.2f ms%n",
                create[0], create[0] * ppt, create[1], create[2]);
            System.out.printf("heartbeat:    %.0f ops/s, latency p50 %.3f ms, p99 %.3f ms%n", beat[0], beat[1], beat[2]);
            System.out.printf("create_ops/s=%.0f partitions/s=%.0f create_p50_ms=%.2f create_p99_ms=%.2f heartbeats/s=%.0f "
                + "heartbeat_p50_ms=%.3f heartbeat_p99_ms=%.3f%n", create[0], create[0] * ppt, create[1], create[2], beat[0],
                beat[1], beat[2]);
        } finally {
            controllers.forEach(QuorumController::close);
            servers.forEach(QuorumServer::close);
            scheduler.shutdownNow();
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        System.exit(0);
    }

    interface Op {
        CompletableFuture<Void> start(int i);
    }

    /** @return ops/s, p50 ms, p99 ms */
    private static double[] run(int count, int inflight, Op op) throws InterruptedException, IOException {
        long[] latencies = new long[count];
        Semaphore window = new Semaphore(inflight);
        long start = System.nanoTime();
        List<CompletableFuture<Void>> all = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            window.acquire();
            long sent = System.nanoTime();
            int index = i;
            all.add(op.start(i).whenComplete((v, e) -> {
                latencies[index] = System.nanoTime() - sent;
                window.release();
                if (e != null) {
                    System.err.println("operation " + index + " failed: " + e);
                }
            }));
        }
        CompletableFuture.allOf(all.toArray(new CompletableFuture[0])).exceptionally(e -> null).join();
        double seconds = (System.nanoTime() - start) / 1e9;
        Arrays.sort(latencies);
        return new double[] {count / seconds, latencies[count / 2] / 1e6, latencies[(int) Math.min(count - 1, count * 0.99)] / 1e6};
    }
}
