package io.runnel.client.perf;

import com.google.protobuf.UnsafeByteOperations;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.runnel.proto.v1.BrokerGrpc;
import io.runnel.proto.v1.BrokerInfo;
import io.runnel.proto.v1.ControllerGrpc;
import io.runnel.proto.v1.CreateTopicsRequest;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.FetchPartition;
import io.runnel.proto.v1.FetchPartitionResponse;
import io.runnel.proto.v1.FetchRequest;
import io.runnel.proto.v1.FetchTopic;
import io.runnel.proto.v1.MetadataRequest;
import io.runnel.proto.v1.MetadataResponse;
import io.runnel.proto.v1.PartitionMetadata;
import io.runnel.proto.v1.PartitionProduceData;
import io.runnel.proto.v1.ProduceRequest;
import io.runnel.proto.v1.ProduceResponse;
import io.runnel.proto.v1.TopicProduceData;
import io.runnel.proto.v1.TopicSpec;
import io.runnel.record.CompressionType;
import io.runnel.record.RecordBatch;
import io.runnel.record.RecordBatchBuilder;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Produce then fetch over real gRPC against a running cluster, printing records/s, MB/s and
 * produce latency percentiles. Records are sent as raw batches (the Java client's form), spread
 * round-robin over the topic's partitions, with up to {@code --inflight} requests outstanding.
 * Latency is per produce request (the time its records waited for their acknowledgement).
 *
 * <pre>
 * ProduceFetchBenchmark --controllers host:port[,..] [--bootstrap host:port] [--topic T]
 *   [--partitions 6] [--replication-factor 3] [--records 1000000] [--record-size 1024]
 *   [--batch-records 64] [--acks all|1|0] [--inflight 16] [--warmup-records 100000]
 * </pre>
 * The last line is machine-readable: {@code records/s=<n> MB/s=<n> p50_ms=<n> p99_ms=<n> p999_ms=<n> fetch_MB/s=<n>}.
 */
public final class ProduceFetchBenchmark {
    private ProduceFetchBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = new HashMap<>(Map.of("--bootstrap", "127.0.0.1:9092", "--topic", "bench",
            "--partitions", "6", "--replication-factor", "3", "--records", "1000000", "--record-size", "1024",
            "--batch-records", "64", "--acks", "all", "--inflight", "16", "--warmup-records", "100000"));
        for (int i = 0; i < args.length; i += 2) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                usage("bad argument '" + args[i] + "'");
            }
            opts.put(args[i], args[i + 1]);
        }
        if (!opts.containsKey("--controllers")) {
            usage("--controllers is required");
        }
        String topic = opts.get("--topic");
        int partitions = Integer.parseInt(opts.get("--partitions"));
        int rf = Integer.parseInt(opts.get("--replication-factor"));
        long records = Long.parseLong(opts.get("--records"));
        int recordSize = Integer.parseInt(opts.get("--record-size"));
        int batchRecords = Integer.parseInt(opts.get("--batch-records"));
        int acks = switch (opts.get("--acks")) {
            case "all", "-1" -> -1;
            case "1" -> 1;
            case "0" -> 0;
            default -> throw new IllegalArgumentException("--acks must be all, 1 or 0");
        };
        int inflight = Integer.parseInt(opts.get("--inflight"));
        long warmupRecords = Long.parseLong(opts.get("--warmup-records"));

        createTopic(opts.get("--controllers"), topic, partitions, rf);
        Map<Integer, ManagedChannel> channels = new HashMap<>();
        MetadataResponse metadata = awaitLeaders(opts.get("--bootstrap"), topic, partitions, channels);
        Map<Integer, BrokerGrpc.BrokerStub> leaders = new HashMap<>();
        for (PartitionMetadata p : metadata.getTopics(0).getPartitionsList()) {
            leaders.put(p.getPartition(), BrokerGrpc.newStub(channel(channels, metadata, p.getLeaderId())));
        }

        // A few distinct batches, reused: the broker copies what it receives, so ours stay intact.
        Random random = new Random(1);
        ByteBuffer[] templates = new ByteBuffer[8];
        for (int t = 0; t < templates.length; t++) {
            RecordBatchBuilder b = new RecordBatchBuilder(CompressionType.NONE);
            for (int r = 0; r < batchRecords; r++) {
                byte[] value = new byte[recordSize];
                random.nextBytes(value);
                b.append(System.currentTimeMillis(), null, value);
            }
            templates[t] = b.build();
        }
        if (warmupRecords > 0) {
            // Four JVMs JIT-compiling gRPC, Netty and protobuf on two cores swamp a short run: warm up first.
            System.out.printf("warming up with %d records...%n", warmupRecords);
            produce(topic, partitions, leaders, templates, acks, inflight, (warmupRecords + batchRecords - 1) / batchRecords, false);
        }
        long requests = (records + batchRecords - 1) / batchRecords;
        long start = System.nanoTime();
        Produced produced = produce(topic, partitions, leaders, templates, acks, inflight, requests, true);
        long[] latencies = produced.latencies();
        AtomicLong errors = produced.errors();
        double seconds = (System.nanoTime() - start) / 1e9;
        long sentRecords = requests * batchRecords;
        double recordsPerSec = sentRecords / seconds;
        double mbPerSec = sentRecords * (double) recordSize / 1e6 / seconds;
        Arrays.sort(latencies);
        double p50 = latencies[(int) (latencies.length * 0.50)] / 1e6;
        double p99 = latencies[(int) Math.min(latencies.length - 1, latencies.length * 0.99)] / 1e6;
        double p999 = latencies[(int) Math.min(latencies.length - 1, latencies.length * 0.999)] / 1e6;
        System.out.printf("produce: %d records of %d B, acks=%s, %d partitions RF%d, %d-record batches, %d in flight%n",
            sentRecords, recordSize, opts.get("--acks"), partitions, rf, batchRecords, inflight);
        System.out.printf("produce: %.0f records/s, %.1f MB/s, request latency p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, errors %d%n",
            recordsPerSec, mbPerSec, p50, p99, p999, errors.get());

        // Fetch everything back from each partition's leader.
        long fetchStart = System.nanoTime();
        long fetchedBytes = 0;
        for (PartitionMetadata p : metadata.getTopics(0).getPartitionsList()) {
            BrokerGrpc.BrokerBlockingStub stub = BrokerGrpc.newBlockingStub(channel(channels, metadata, p.getLeaderId()));
            long offset = 0;
            while (true) {
                FetchPartitionResponse r = stub.fetch(FetchRequest.newBuilder().setMaxBytes(8 << 20)
                    .addTopics(FetchTopic.newBuilder().setTopic(topic).addPartitions(FetchPartition.newBuilder()
                        .setPartition(p.getPartition()).setFetchOffset(offset).setCurrentLeaderEpoch(-1)
                        .setPartitionMaxBytes(8 << 20))).build()).getTopics(0).getPartitions(0);
                ByteBuffer batches = r.getRecordBatches().asReadOnlyByteBuffer();
                if (!batches.hasRemaining()) {
                    break;
                }
                fetchedBytes += batches.remaining();
                RecordBatch batch = new RecordBatch();
                for (int at = 0; at < batches.limit(); at += batch.sizeInBytes()) {
                    batch.wrap(batches, at, at);
                    offset = batch.nextOffset();
                }
            }
        }
        double fetchSeconds = (System.nanoTime() - fetchStart) / 1e9;
        double fetchMbs = fetchedBytes / 1e6 / fetchSeconds;
        System.out.printf("fetch: %.1f MB in %.2f s, %.1f MB/s%n", fetchedBytes / 1e6, fetchSeconds, fetchMbs);
        System.out.printf("records/s=%.0f MB/s=%.1f p50_ms=%.2f p99_ms=%.2f p999_ms=%.2f fetch_MB/s=%.1f%n",
            recordsPerSec, mbPerSec, p50, p99, p999, fetchMbs);
        channels.values().forEach(ManagedChannel::shutdownNow);
        System.exit(errors.get() == 0 ? 0 : 1);
    }

    private record Produced(long[] latencies, AtomicLong errors) {
    }

    /** Sends {@code requests} produce requests round-robin, at most {@code inflight} outstanding. */
    private static Produced produce(String topic, int partitions, Map<Integer, BrokerGrpc.BrokerStub> leaders,
                                    ByteBuffer[] templates, int acks, int inflight, long requests, boolean report)
        throws InterruptedException {
        long[] latencies = new long[(int) requests];
        Semaphore window = new Semaphore(inflight);
        CountDownLatch done = new CountDownLatch((int) requests);
        AtomicLong errors = new AtomicLong();
        long start = System.nanoTime();
        long lastReport = start;
        int batchRecords = RecordBatch.of(templates[0]).recordCount();
        for (long i = 0; i < requests; i++) {
            window.acquire();
            int partition = (int) (i % partitions);
            int index = (int) i;
            ProduceRequest request = ProduceRequest.newBuilder().setAcks(acks).setTimeoutMs(30_000)
                .addTopics(TopicProduceData.newBuilder().setTopic(topic).addPartitions(PartitionProduceData.newBuilder()
                    .setPartition(partition).setRecordBatches(UnsafeByteOperations.unsafeWrap(templates[index % templates.length].duplicate()))))
                .build();
            long sent = System.nanoTime();
            leaders.get(partition).produce(request, new StreamObserver<>() {
                @Override
                public void onNext(ProduceResponse r) {
                    if (r.getTopics(0).getPartitions(0).getError() != ErrorCode.NONE) {
                        errors.incrementAndGet();
                    }
                }

                @Override
                public void onError(Throwable t) {
                    errors.incrementAndGet();
                    finish();
                }

                @Override
                public void onCompleted() {
                    finish();
                }

                private void finish() {
                    latencies[index] = System.nanoTime() - sent;
                    window.release();
                    done.countDown();
                }
            });
            long now = System.nanoTime();
            if (report && now - lastReport > TimeUnit.SECONDS.toNanos(5)) {
                double secs = (now - start) / 1e9;
                System.out.printf("  %d records sent, %.0f records/s%n", i * batchRecords, i * batchRecords / secs);
                lastReport = now;
            }
        }
        done.await();
        return new Produced(latencies, errors);
    }

    private static ManagedChannel channel(Map<Integer, ManagedChannel> channels, MetadataResponse metadata, int brokerId) {
        return channels.computeIfAbsent(brokerId, id -> {
            BrokerInfo b = metadata.getBrokersList().stream().filter(x -> x.getId() == id).findFirst().orElseThrow();
            return NettyChannelBuilder.forAddress(b.getHost(), b.getPort()).usePlaintext().maxInboundMessageSize(64 << 20)
                .flowControlWindow(8 << 20).build();
        });
    }

    private static void createTopic(String controllers, String topic, int partitions, int rf) throws InterruptedException {
        List<String> addresses = new ArrayList<>(List.of(controllers.split(",")));
        for (int attempt = 0; attempt < 50; attempt++) {
            String address = addresses.get(attempt % addresses.size());
            int colon = address.lastIndexOf(':');
            ManagedChannel c = NettyChannelBuilder.forAddress(address.substring(0, colon),
                Integer.parseInt(address.substring(colon + 1))).usePlaintext().build();
            try {
                var r = ControllerGrpc.newBlockingStub(c).withDeadlineAfter(10, TimeUnit.SECONDS).createTopics(CreateTopicsRequest
                    .newBuilder().addTopics(TopicSpec.newBuilder().setName(topic).setPartitions(partitions)
                        .setReplicationFactor(rf)).build()).getResults(0);
                if (r.getError() == ErrorCode.NONE || r.getError() == ErrorCode.TOPIC_ALREADY_EXISTS) {
                    return;
                }
                if (r.getError() != ErrorCode.NOT_CONTROLLER) {
                    usage("cannot create topic " + topic + ": " + r.getError() + " " + r.getErrorMessage());
                }
            } catch (RuntimeException e) {
                // that controller is not reachable; try the next
            } finally {
                c.shutdownNow();
            }
            TimeUnit.MILLISECONDS.sleep(100);
        }
        usage("no active controller at " + controllers);
    }

    private static MetadataResponse awaitLeaders(String bootstrap, String topic, int partitions,
                                                 Map<Integer, ManagedChannel> channels) throws InterruptedException {
        int colon = bootstrap.lastIndexOf(':');
        ManagedChannel c = NettyChannelBuilder.forAddress(bootstrap.substring(0, colon),
            Integer.parseInt(bootstrap.substring(colon + 1))).usePlaintext().build();
        try {
            for (int attempt = 0; attempt < 100; attempt++) {
                MetadataResponse m = BrokerGrpc.newBlockingStub(c).withDeadlineAfter(5, TimeUnit.SECONDS)
                    .metadata(MetadataRequest.newBuilder().addTopics(topic).build());
                if (m.getTopics(0).getPartitionsCount() == partitions
                    && m.getTopics(0).getPartitionsList().stream().allMatch(p -> p.getLeaderId() >= 0)) {
                    return m;
                }
                TimeUnit.MILLISECONDS.sleep(100);
            }
        } finally {
            c.shutdownNow();
        }
        usage("topic " + topic + " has no leaders after 10 s");
        return null;
    }

    private static void usage(String problem) {
        System.err.println("error: " + problem);
        System.err.println("usage: ProduceFetchBenchmark --controllers host:port[,..] [--bootstrap host:port] [--topic T] "
            + "[--partitions N] [--replication-factor N] [--records N] [--record-size B] [--batch-records N] "
            + "[--acks all|1|0] [--inflight N] [--warmup-records N]");
        System.exit(2);
    }
}
