package io.runnel.log.bench;

import io.runnel.log.FileSlice;
import io.runnel.log.FlushPolicy;
import io.runnel.log.Log;
import io.runnel.log.LogConfig;
import io.runnel.log.LogReadInfo;
import io.runnel.record.CompressionType;
import io.runnel.record.RecordBatchBuilder;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.Comparator;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

/**
 * Log-store throughput against the disk it runs on, in one run: (1) the raw baseline, the batch
 * bytes written with a plain FileChannel loop; (2) the same batches appended through {@link Log}
 * (validation, offset assignment, indexes, rolls); (3) everything read back through {@link Log#read}.
 * Both write phases are timed to their last write as a producer would see it: no final fsync in
 * either (a single fsync of a gigabyte at the end would swamp the raw loop's figure, while the log
 * flushes in the background as it goes, which is part of its measured cost). With {@code --flush
 * sync} the raw loop fsyncs after every write and the log fsyncs before every append returns.
 * With {@code --appenders N} (default 1) N threads share the log phase's batches, each appending
 * its own copies, as a broker's request handlers do; the raw loop stays one thread. Phases (1) and
 * (2) alternate for {@code --rounds} rounds (default 3) and their medians are compared.
 *
 * <p>Usage: {@code LogStoreBenchmark [MiB] [--flush async|sync] [--appenders N] [--rounds N] [--set key=value]... [--dir DIR]}.
 * MB/s is 10^6 bytes a second. The last line is machine-readable: {@code append/raw=<ratio> read MB/s=<n>}.
 */
public final class LogStoreBenchmark {
    private static final int RECORD_BYTES = 1024;
    private static final int RECORDS_PER_BATCH = 16;
    private static final int DISTINCT_BATCHES = 64;
    private static final int DEFAULT_ROUNDS = 3;

    private LogStoreBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        long mib = 1024;
        FlushPolicy flush = FlushPolicy.ASYNC;
        int rounds = DEFAULT_ROUNDS;
        int appenders = 1;
        Map<String, String> overrides = new java.util.HashMap<>();
        Path base = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--flush" -> flush = FlushPolicy.forName(value(args, ++i, "--flush"));
                case "--dir" -> base = Path.of(value(args, ++i, "--dir"));
                case "--set" -> {
                    String kv = value(args, ++i, "--set");
                    int eq = kv.indexOf('=');
                    if (eq <= 0) {
                        usage("--set needs key=value, got '" + kv + "'");
                    }
                    overrides.put(kv.substring(0, eq), kv.substring(eq + 1));
                }
                case "--appenders" -> {
                    String text = value(args, ++i, "--appenders");
                    try {
                        appenders = Integer.parseInt(text);
                    } catch (NumberFormatException e) {
                        usage("--appenders needs a number, got '" + text + "'");
                    }
                    if (appenders < 1) {
                        usage("--appenders must be at least 1, got " + appenders);
                    }
                }
                case "--rounds" -> {
                    String text = value(args, ++i, "--rounds");
                    try {
                        rounds = Integer.parseInt(text);
                    } catch (NumberFormatException e) {
                        usage("--rounds needs a number, got '" + text + "'");
                    }
                    if (rounds < 1) {
                        usage("--rounds must be at least 1, got " + rounds);
                    }
                }
                default -> {
                    try {
                        mib = Long.parseLong(args[i]);
                    } catch (NumberFormatException e) {
                        usage("unknown argument '" + args[i] + "'");
                    }
                    if (mib <= 0) {
                        usage("MiB must be positive, got " + mib);
                    }
                }
            }
        }
        Path dir = base == null ? Files.createTempDirectory("runnel-bench-") : Files.createDirectories(base).resolve(
            "runnel-bench-" + System.nanoTime());
        Files.createDirectories(dir);
        try {
            LogConfig.defaults().with(overrides); // a bad --set fails here, naming the key
        } catch (IllegalArgumentException e) {
            deleteRecursively(dir);
            usage(e.getMessage());
        }
        try {
            run(dir, mib, flush, rounds, appenders, overrides);
        } finally {
            deleteRecursively(dir);
        }
    }

    private static void run(Path dir, long mib, FlushPolicy flush, int rounds, int appenders, Map<String, String> overrides)
        throws IOException, InterruptedException {
        ByteBuffer[] batches = batches();
        long payloadBytes = mib * 1024 * 1024;
        long batchCount = payloadBytes / ((long) RECORD_BYTES * RECORDS_PER_BATCH);
        long bytesOnDisk = 0;
        for (long i = 0; i < batchCount; i++) {
            bytesOnDisk += batches[(int) (i % DISTINCT_BATCHES)].remaining();
        }
        System.out.printf("log-store benchmark: %d MiB of %d-byte records in %d-record batches (%d batches, %.1f MB on disk), flush=%s, appenders=%d, settings=%s, dir=%s%n",
            mib, RECORD_BYTES, RECORDS_PER_BATCH, batchCount, bytesOnDisk / 1e6, flush.name().toLowerCase(), appenders, overrides, dir);

        // Warm up the JIT on a small run of each path so the measured phases are steady-state.
        rawWrite(dir.resolve("warmup.raw"), batches, Math.min(batchCount, 2000), false);
        deleteRecursively(dir.resolve("warmup.raw"));
        appendThroughLog(dir.resolve("warmup-0"), batches, Math.min(batchCount, 2000), FlushPolicy.ASYNC, appenders, overrides);
        deleteRecursively(dir.resolve("warmup-0"));

        // Raw and log phases alternate, each file deleted before the next phase, because on a shared
        // machine whichever phase runs first on a quiet disk wins by a wide margin; the medians of
        // the rounds are compared.
        double[] raw = new double[rounds];
        double[] append = new double[rounds];
        Path logDir = null;
        for (int round = 0; round < rounds; round++) {
            Path rawFile = dir.resolve("raw-" + round + ".bin");
            raw[round] = bytesOnDisk / 1e6 / rawWrite(rawFile, batches, batchCount, flush == FlushPolicy.SYNC);
            deleteRecursively(rawFile);
            if (logDir != null) {
                deleteRecursively(logDir);
            }
            logDir = dir.resolve("bench-" + round);
            append[round] = bytesOnDisk / 1e6 / appendThroughLog(logDir, batches, batchCount, flush, appenders, overrides);
            System.out.printf("round %d: raw FileChannel write%s %8.1f MB/s   log append (%s flush, %d appenders) %8.1f MB/s%n",
                round + 1, flush == FlushPolicy.SYNC ? " + fsync each" : "", raw[round], flush.name().toLowerCase(), appenders,
                append[round]);
        }
        double rawMbs = median(raw);
        double appendMbs = median(append);
        System.out.printf("raw FileChannel write (median): %8.1f MB/s%n", rawMbs);
        System.out.printf("log append (median):            %8.1f MB/s  (%.0f records/s)%n", appendMbs,
            appendMbs * 1e6 / bytesOnDisk * batchCount * RECORDS_PER_BATCH);

        double[] read = readThroughLog(logDir);
        double readMbs = read[0] / 1e6 / read[1];
        System.out.printf("log read:                       %8.1f MB/s  (%.2f s, %.1f MB)%n", readMbs, read[1], read[0] / 1e6);
        System.out.printf("append/raw=%.2f read MB/s=%.0f%n", appendMbs / rawMbs, readMbs);
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        java.util.Arrays.sort(sorted);
        return sorted.length % 2 == 1 ? sorted[sorted.length / 2]
            : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    }

    private static ByteBuffer[] batches() {
        Random random = new Random(1);
        ByteBuffer[] batches = new ByteBuffer[DISTINCT_BATCHES];
        long now = System.currentTimeMillis();
        for (int b = 0; b < DISTINCT_BATCHES; b++) {
            RecordBatchBuilder builder = new RecordBatchBuilder(CompressionType.NONE);
            for (int r = 0; r < RECORDS_PER_BATCH; r++) {
                byte[] value = new byte[RECORD_BYTES];
                random.nextBytes(value);
                builder.append(now, null, value);
            }
            batches[b] = builder.build();
        }
        return batches;
    }

    private static double rawWrite(Path file, ByteBuffer[] batches, long count, boolean fsyncEach) throws IOException {
        long start = System.nanoTime();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (long i = 0; i < count; i++) {
                ByteBuffer batch = batches[(int) (i % DISTINCT_BATCHES)].duplicate();
                while (batch.hasRemaining()) {
                    channel.write(batch);
                }
                if (fsyncEach) {
                    channel.force(false);
                }
            }
        }
        return (System.nanoTime() - start) / 1e9;
    }

    private static double appendThroughLog(Path logDir, ByteBuffer[] batches, long count, FlushPolicy flush, int appenders,
                                           Map<String, String> overrides) throws InterruptedException {
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        Map<String, String> settings = new java.util.HashMap<>(overrides);
        settings.put(LogConfig.FLUSH_POLICY, flush.name());
        LogConfig config = LogConfig.defaults().with(settings);
        // The log rewrites each batch's offset and epoch in place: every appender gets its own copies.
        ByteBuffer[][] copies = new ByteBuffer[appenders][];
        for (int t = 0; t < appenders; t++) {
            copies[t] = new ByteBuffer[batches.length];
            for (int b = 0; b < batches.length; b++) {
                copies[t][b] = ByteBuffer.allocate(batches[b].remaining()).put(batches[b].duplicate()).flip();
            }
        }
        long elapsed;
        try (Log log = Log.open(logDir, config, Clock.systemUTC(), scheduler)) {
            AtomicLong next = new AtomicLong();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread[] threads = new Thread[appenders];
            for (int t = 0; t < appenders; t++) {
                ByteBuffer[] own = copies[t];
                threads[t] = new Thread(() -> {
                    try {
                        for (long i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
                            log.appendAsLeader(own[(int) (i % DISTINCT_BATCHES)].duplicate(), 0);
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                }, "appender-" + t);
            }
            long start = System.nanoTime();
            for (Thread thread : threads) {
                thread.start();
            }
            for (Thread thread : threads) {
                thread.join();
            }
            elapsed = System.nanoTime() - start;
            if (failure.get() != null) {
                throw new IllegalStateException("an appender failed", failure.get());
            }
        } finally {
            scheduler.shutdownNow();
        }
        return elapsed / 1e9;
    }

    private static double[] readThroughLog(Path logDir) {
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        ByteBuffer buffer = ByteBuffer.allocateDirect(4 * 1024 * 1024);
        long bytes = 0;
        long start = System.nanoTime();
        try (Log log = Log.open(logDir, LogConfig.defaults(), Clock.systemUTC(), scheduler)) {
            long offset = log.logStartOffset();
            long end = log.logEndOffset();
            while (offset < end) {
                LogReadInfo info = log.read(offset, buffer.capacity(), Long.MAX_VALUE, true);
                FileSlice slice = info.records();
                buffer.clear();
                slice.readInto(buffer);
                bytes += slice.size();
                // The slice ends on a batch boundary: the last batch's header says where the next starts.
                offset = nextOffset(buffer.flip());
            }
        } finally {
            scheduler.shutdownNow();
        }
        return new double[] {bytes, (System.nanoTime() - start) / 1e9};
    }

    private static long nextOffset(ByteBuffer batches) {
        io.runnel.record.RecordBatch batch = new io.runnel.record.RecordBatch();
        long next = -1;
        for (int at = 0; at < batches.limit(); at += batch.sizeInBytes()) {
            batch.wrap(batches, at, at);
            next = batch.nextOffset();
        }
        return next;
    }

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) {
            usage(flag + " needs a value");
        }
        return args[i];
    }

    private static void usage(String problem) {
        System.err.println("error: " + problem);
        System.err.println("usage: bench-log-store [MiB] [--flush async|sync] [--appenders N] [--rounds N] [--set key=value]... [--dir DIR]");
        System.exit(2);
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }
}
