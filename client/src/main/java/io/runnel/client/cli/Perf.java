package io.runnel.client.cli;

import io.runnel.client.admin.RunnelAdmin;
import io.runnel.client.common.TopicPartition;
import io.runnel.client.consumer.ConsumerRecord;
import io.runnel.client.consumer.RunnelConsumer;
import io.runnel.client.producer.ProducerConfig;
import io.runnel.client.producer.ProducerRecord;
import io.runnel.client.producer.RunnelProducer;
import io.runnel.record.CompressionType;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code runnel perf produce|consume|e2e}, in the spirit of Kafka's perf tools: a progress line every
 * few seconds, then a summary ending with one machine-readable line
 * ({@code records/s=<n> MB/s=<n> p50_ms=<n> p99_ms=<n> p999_ms=<n>}).
 */
@Command(name = "perf", description = "Throughput and latency tests.", subcommands = {Perf.Produce.class, Perf.Consume.class,
    Perf.EndToEnd.class})
final class Perf {
    @ParentCommand
    RunnelCli root;

    static String summary(PrintWriter out, String what, long records, long bytes, double seconds, long[] latenciesNanos) {
        double rps = records / seconds;
        double mbs = bytes / 1e6 / seconds;
        double p50 = percentile(latenciesNanos, 0.50);
        double p95 = percentile(latenciesNanos, 0.95);
        double p99 = percentile(latenciesNanos, 0.99);
        double p999 = percentile(latenciesNanos, 0.999);
        double avg = latenciesNanos.length == 0 ? 0 : Arrays.stream(latenciesNanos).average().orElse(0) / 1e6;
        out.printf("%s: %d records in %.2f s: %.0f records/s, %.1f MB/s; latency avg %.2f ms, p50 %.2f, p95 %.2f, p99 %.2f, "
            + "p99.9 %.2f ms%n", what, records, seconds, rps, mbs, avg, p50, p95, p99, p999);
        String line = String.format("records/s=%.0f MB/s=%.1f p50_ms=%.2f p99_ms=%.2f p999_ms=%.2f", rps, mbs, p50, p99, p999);
        out.println(line);
        return line;
    }

    static double percentile(long[] sorted, double q) {
        if (sorted.length == 0) {
            return 0;
        }
        return sorted[(int) Math.min(sorted.length - 1, Math.floor(sorted.length * q))] / 1e6;
    }

    static int acks(String text, CommandLine cli) {
        return switch (text) {
            case "all", "-1" -> -1;
            case "1" -> 1;
            case "0" -> 0;
            default -> throw new CommandLine.ParameterException(cli, "--acks must be all, 1 or 0, got " + text);
        };
    }

    @Command(name = "produce", description = "Produce records as fast as allowed and report throughput and latency.")
    static final class Produce implements Callable<Integer> {
        @ParentCommand
        Perf perf;
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;
        @CommandLine.Parameters(index = "0")
        String topic;
        @Option(names = "--num-records", defaultValue = "1000000")
        long numRecords;
        @Option(names = "--record-size", defaultValue = "1024")
        int recordSize;
        @Option(names = "--throughput", defaultValue = "-1", description = "records/s cap; -1 for none")
        long throughput;
        @Option(names = "--acks", defaultValue = "all")
        String acks;
        @Option(names = "--compression", defaultValue = "none")
        String compression;
        @Option(names = "--batch-size", defaultValue = "65536")
        int batchSize;
        @Option(names = "--linger-ms", defaultValue = "5")
        long lingerMs;
        @Option(names = "--max-in-flight", defaultValue = "5",
            description = "batches per partition in flight (max.in.flight.requests.per.connection; <= 5 with acks=all)")
        int maxInFlight;

        @Override
        public Integer call() throws Exception {
            int ackValue = acks(acks, spec.commandLine());
            ProducerConfig config;
            try {
                config = ProducerConfig.defaults(perf.root.bootstrap).withAcks(ackValue)
                    .withCompression(CompressionType.forName(compression)).withBatching(batchSize, lingerMs).withMaxInFlight(maxInFlight);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
            PrintWriter out = spec.commandLine().getOut();
            byte[] payload = new byte[recordSize];
            new Random(1).nextBytes(payload);
            long[] latencies = new long[(int) numRecords];
            AtomicLong errors = new AtomicLong();
            // The longest time with no acknowledgement at all while records were outstanding: a stall.
            AtomicLong lastAck = new AtomicLong(System.nanoTime());
            AtomicLong longestStall = new AtomicLong();
            long start = System.nanoTime();
            long lastReport = start;
            try (RunnelProducer producer = new RunnelProducer(config, perf.root.tls())) {
                for (int i = 0; i < numRecords; i++) {
                    if (throughput > 0) {
                        long due = start + (long) (i * 1e9 / throughput);
                        long wait = due - System.nanoTime();
                        if (wait > 0) {
                            TimeUnit.NANOSECONDS.sleep(wait); // pacing a load generator, not a test wait
                        }
                    }
                    long sent = System.nanoTime();
                    int index = i;
                    producer.send(new ProducerRecord(topic, null, payload)).whenComplete((m, e) -> {
                        long now = System.nanoTime();
                        latencies[index] = now - sent;
                        long previous = lastAck.getAndSet(now);
                        longestStall.accumulateAndGet(now - previous, Math::max);
                        if (e != null) {
                            errors.incrementAndGet();
                        }
                    });
                    long now = System.nanoTime();
                    if (now - lastReport > TimeUnit.SECONDS.toNanos(5)) {
                        out.printf("%d records sent, %.0f records/s%n", i, i / ((now - start) / 1e9));
                        out.flush();
                        lastReport = now;
                    }
                }
                producer.flush();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            Arrays.sort(latencies);
            if (errors.get() > 0) {
                spec.commandLine().getErr().println("runnel: " + errors.get() + " records failed");
            }
            out.printf("longest stall between acknowledgements: %.0f ms%n", longestStall.get() / 1e6);
            summary(out, "produce", numRecords, numRecords * recordSize, seconds, latencies);
            return errors.get() == 0 ? 0 : 1;
        }
    }

    @Command(name = "consume", description = "Read a topic from the beginning and report throughput.")
    static final class Consume implements Callable<Integer> {
        @ParentCommand
        Perf perf;
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;
        @CommandLine.Parameters(index = "0")
        String topic;
        @Option(names = "--num-records", defaultValue = "1000000")
        long numRecords;
        /** Without {@code --timeout-ms}: how long without records ends the read. */
        static final long IDLE_MS = 10_000;
        @Option(names = "--fetch-max-bytes", defaultValue = "52428800", description = "bytes one fetch may return (each partition at most 1 MiB)")
        int fetchMaxBytes;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            // The root's --timeout-ms: here, how long without records ends the read.
            long timeoutMs = perf.root.timeoutMs == null ? IDLE_MS : perf.root.timeoutMs;
            try (RunnelAdmin admin = perf.root.admin();
                 RunnelConsumer consumer = new RunnelConsumer(perf.root.bootstrap, perf.root.tls(), RunnelConsumer.OffsetReset.EARLIEST,
                     fetchMaxBytes, null)) {
                int partitions = admin.describeTopic(topic).getPartitionsCount();
                List<TopicPartition> tps = new ArrayList<>();
                for (int p = 0; p < partitions; p++) {
                    tps.add(new TopicPartition(topic, p));
                }
                consumer.assign(tps);
                long count = 0;
                long bytes = 0;
                long start = System.nanoTime();
                long lastRecord = System.currentTimeMillis();
                long lastReport = start;
                while (count < numRecords && System.currentTimeMillis() - lastRecord < timeoutMs) {
                    List<ConsumerRecord> records = consumer.poll(Duration.ofMillis(200));
                    if (!records.isEmpty()) {
                        lastRecord = System.currentTimeMillis();
                    }
                    for (ConsumerRecord r : records) {
                        count++;
                        bytes += r.value() == null ? 0 : r.value().length;
                    }
                    long now = System.nanoTime();
                    if (now - lastReport > TimeUnit.SECONDS.toNanos(5)) {
                        out.printf("%d records read, %.1f MB/s%n", count, bytes / 1e6 / ((now - start) / 1e9));
                        out.flush();
                        lastReport = now;
                    }
                }
                summary(out, "consume", count, bytes, (System.nanoTime() - start) / 1e9, new long[0]);
                return count >= numRecords ? 0 : 1;
            }
        }
    }

    @Command(name = "e2e", description = "End-to-end latency: one record at a time, produce to consume.")
    static final class EndToEnd implements Callable<Integer> {
        @ParentCommand
        Perf perf;
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;
        @CommandLine.Parameters(index = "0")
        String topic;
        @Option(names = "--num-records", defaultValue = "10000")
        int numRecords;
        @Option(names = "--record-size", defaultValue = "1024")
        int recordSize;
        @Option(names = "--acks", defaultValue = "all")
        String acks;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            TopicPartition tp = new TopicPartition(topic, 0);
            byte[] payload = new byte[recordSize];
            long[] latencies = new long[numRecords];
            try (RunnelProducer producer = new RunnelProducer(ProducerConfig.defaults(perf.root.bootstrap)
                    .withAcks(acks(acks, spec.commandLine())).withBatching(Math.max(recordSize * 2, 1024), 0), perf.root.tls());
                 RunnelConsumer consumer = new RunnelConsumer(perf.root.bootstrap, perf.root.tls(), RunnelConsumer.OffsetReset.LATEST, 1 << 20, null)) {
                consumer.assign(List.of(tp));
                consumer.seekToEnd(List.of(tp));
                long start = System.nanoTime();
                for (int i = 0; i < numRecords; i++) {
                    long sent = System.nanoTime();
                    producer.send(new ProducerRecord(topic, 0, null, null, payload, null));
                    List<ConsumerRecord> got = List.of();
                    while (got.isEmpty()) {
                        got = consumer.poll(Duration.ofSeconds(10));
                    }
                    latencies[i] = System.nanoTime() - sent;
                }
                Arrays.sort(latencies);
                summary(out, "end-to-end", numRecords, (long) numRecords * recordSize, (System.nanoTime() - start) / 1e9, latencies);
                return 0;
            }
        }
    }
}
