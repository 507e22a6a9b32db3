package io.runnel.client.perf;

import io.runnel.client.admin.RunnelAdmin;
import io.runnel.client.common.TopicPartition;
import io.runnel.client.consumer.GroupConfig;
import io.runnel.client.consumer.RebalanceListener;
import io.runnel.client.consumer.RunnelConsumer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * Consumer-group figures against a running cluster, with real consumers: how long a group of N
 * takes to settle from nothing, how long partitions take to move when one member leaves, and
 * offset-commit throughput and latency (each member commits its partitions in a loop, one commit
 * in flight, acks=all in the offsets topic).
 *
 * <p>Usage: {@code GroupBenchmark [--bootstrap host:port,..] [--members 4] [--partitions 12]
 * [--replication-factor 3] [--seconds 20]}. The last line is machine-readable.
 */
public final class GroupBenchmark {
    private GroupBenchmark() {
    }

    /** One member on its own thread: polls, and commits in a loop once told to. */
    private static final class Member implements Runnable {
        final RunnelConsumer consumer;
        final AtomicIntegerArray owned;
        final int index;
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicBoolean committing;
        final List<Long> latenciesNanos = java.util.Collections.synchronizedList(new ArrayList<>());
        final Thread thread;

        Member(int index, String bootstrap, String group, String topic, AtomicIntegerArray owned, AtomicBoolean committing) {
            this.index = index;
            this.owned = owned;
            this.committing = committing;
            this.consumer = new RunnelConsumer(bootstrap, RunnelConsumer.OffsetReset.LATEST, 1 << 20,
                GroupConfig.of(group).withAutoCommit(false, 5000).withSessionTimeoutMs(10_000).withClientId("bench-" + index));
            consumer.subscribe(List.of(topic), new RebalanceListener() {
                @Override
                public void onPartitionsRevoked(java.util.Collection<TopicPartition> partitions) {
                    owned.addAndGet(index, -partitions.size());
                }

                @Override
                public void onPartitionsAssigned(java.util.Collection<TopicPartition> partitions) {
                    owned.addAndGet(index, partitions.size());
                }
            });
            this.thread = new Thread(this, "bench-member-" + index);
            thread.start();
        }

        @Override
        public void run() {
            long next = 1;
            while (!stop.get()) {
                consumer.poll(Duration.ofMillis(20));
                if (committing.get() && !consumer.assignment().isEmpty()) {
                    Map<TopicPartition, Long> offsets = new HashMap<>();
                    for (TopicPartition tp : consumer.assignment()) {
                        offsets.put(tp, next);
                    }
                    long started = System.nanoTime();
                    try {
                        consumer.commitSync(offsets);
                        latenciesNanos.add(System.nanoTime() - started);
                        next++;
                    } catch (RuntimeException e) {
                        // a rebalance moved a partition; the next round commits the new assignment
                    }
                }
            }
            consumer.close();
        }
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = new HashMap<>(Map.of("--bootstrap", "127.0.0.1:9092,127.0.0.1:9093,127.0.0.1:9094",
            "--members", "4", "--partitions", "12", "--replication-factor", "3", "--seconds", "20"));
        for (int i = 0; i < args.length; i += 2) {
            if (!args[i].startsWith("--") || i + 1 >= args.length || !opts.containsKey(args[i])) {
                System.err.println("usage: GroupBenchmark [--bootstrap host:port,..] [--members N] [--partitions N] "
                    + "[--replication-factor N] [--seconds N]; bad argument '" + args[i] + "'");
                System.exit(2);
            }
            opts.put(args[i], args[i + 1]);
        }
        String bootstrap = opts.get("--bootstrap");
        int members = Integer.parseInt(opts.get("--members"));
        if (members < 2) {
            System.err.println("--members must be at least 2 (one leaves in the last phase), got " + members);
            System.exit(2);
        }
        int partitions = Integer.parseInt(opts.get("--partitions"));
        int seconds = Integer.parseInt(opts.get("--seconds"));
        String topic = "bench-groups-" + System.currentTimeMillis();
        String group = "bench-" + System.currentTimeMillis();
        try (RunnelAdmin admin = new RunnelAdmin(bootstrap)) {
            admin.createTopic(topic, partitions, Integer.parseInt(opts.get("--replication-factor")), Map.of());
        }
        AtomicIntegerArray owned = new AtomicIntegerArray(members);
        AtomicBoolean committing = new AtomicBoolean();
        int each = partitions / members;

        long started = System.nanoTime();
        List<Member> group1 = new ArrayList<>();
        for (int i = 0; i < members; i++) {
            group1.add(new Member(i, bootstrap, group, topic, owned, committing));
        }
        awaitOwned(owned, members, each, partitions, 120_000);
        double settleMs = (System.nanoTime() - started) / 1e6;
        System.out.printf("settle: %d members from nothing to %d partitions each in %.0f ms%n", members, each, settleMs);

        committing.set(true);
        Thread.sleep(seconds * 1000L); // the measuring window, not a wait for a condition
        committing.set(false);
        List<Long> all = new ArrayList<>();
        Thread.sleep(200); // let commits in flight finish before the counts are read
        for (Member m : group1) {
            synchronized (m.latenciesNanos) {
                all.addAll(m.latenciesNanos);
            }
        }
        long[] sorted = all.stream().mapToLong(Long::longValue).sorted().toArray();
        double commitsPerSec = sorted.length / (double) seconds;
        System.out.printf("commit: %d commits of %d partitions each in %d s by %d members: %.0f commits/s, p50 %.2f ms, "
            + "p99 %.2f ms%n", sorted.length, each, seconds, members, commitsPerSec, pct(sorted, 0.50), pct(sorted, 0.99));

        Member leaving = group1.get(members - 1);
        long leftAt = System.nanoTime();
        leaving.stop.set(true);
        leaving.thread.join(30_000);
        int remaining = members - 1;
        awaitOwned(owned, remaining, -1, partitions, 120_000);
        double moveMs = (System.nanoTime() - leftAt) / 1e6;
        System.out.printf("leave: one member closed; its partitions owned by the other %d within %.0f ms%n", remaining, moveMs);
        for (Member m : group1.subList(0, remaining)) {
            m.stop.set(true);
        }
        for (Member m : group1.subList(0, remaining)) {
            m.thread.join(30_000);
        }
        System.out.printf("settle_ms=%.0f commits/s=%.0f commit_p50_ms=%.2f commit_p99_ms=%.2f leave_move_ms=%.0f%n", settleMs,
            commitsPerSec, pct(sorted, 0.50), pct(sorted, 0.99), moveMs);
    }

    /** Until the first {@code count} members own all partitions ({@code each} apiece, or any split if -1). */
    private static void awaitOwned(AtomicIntegerArray owned, int count, int each, int partitions, long timeoutMs)
            throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (System.currentTimeMillis() < deadline) {
            int total = 0;
            boolean even = true;
            for (int i = 0; i < count; i++) {
                total += owned.get(i);
                even &= each < 0 || owned.get(i) == each;
            }
            if (total == partitions && even) {
                return;
            }
            Thread.sleep(5); // the measurement's resolution
        }
        throw new IllegalStateException("the group did not settle within " + timeoutMs + " ms: " + owned);
    }

    private static double pct(long[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[Math.min(sorted.length - 1, (int) (q * sorted.length))] / 1e6;
    }
}
