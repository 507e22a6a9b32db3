package io.runnel.faultsuite;

import io.runnel.client.admin.RunnelAdmin;
import io.runnel.faultsuite.check.CheckResult;
import io.runnel.faultsuite.check.Checker;
import io.runnel.faultsuite.history.Event;
import io.runnel.faultsuite.history.History;
import io.runnel.faultsuite.hosts.Cluster;
import io.runnel.faultsuite.hosts.Network;
import io.runnel.faultsuite.nemesis.FaultKind;
import io.runnel.faultsuite.nemesis.Nemesis;
import io.runnel.faultsuite.workload.Consumers;
import io.runnel.faultsuite.workload.FinalReader;
import io.runnel.faultsuite.workload.Producers;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * One run: a fresh cluster, the workload, the faults the seed picks (a second one starting
 * halfway through the first), the heal, a final read of every partition, and the check.
 */
final class Run {
    static final String TOPIC = "fault";
    static final int PARTITIONS = 3;
    private static final int PRODUCERS = 2;
    private static final int CONSUMERS = 2;

    private final SuiteOptions options;
    private final int number;
    private final long seed;
    private final PrintStream log;

    Run(SuiteOptions options, int number, PrintStream log) {
        this.options = options;
        this.number = number;
        this.seed = options.seed() + number - 1;
        this.log = log;
    }

    RunResult execute() throws InterruptedException {
        Random random = new Random(seed);
        List<FaultKind> plan = Nemesis.plan(random, options.faults());
        Path dir = options.dir().resolve("run-" + number);
        List<String> done = new ArrayList<>();
        History history = new History(createDirectories(dir).resolve("history.jsonl"));
        Network network = new Network(options.nodes());
        try (history; Cluster cluster = new Cluster(options.nodes(), dir, nodeJvm(), options.brokerSessionMs(),
            options.diskMb())) {
            return execute(cluster, history, network, random, plan, done, dir);
        } catch (RuntimeException e) {
            log.println("run " + number + " failed: " + e);
            return new RunResult(number, seed, String.join(" + ", done.isEmpty() ? names(plan) : done), null, e.getMessage());
        }
    }

    private RunResult execute(Cluster cluster, History history, Network network, Random random, List<FaultKind> plan,
                              List<String> done, Path dir) throws InterruptedException {
        long healedAt = -1;
        try {
            network.healAll();
            cluster.start();
            cluster.awaitReady(Duration.ofSeconds(120));
            createTopic(cluster);
            Nemesis nemesis = new Nemesis(cluster, network, options.client(), TOPIC, random);
            int session = (int) options.brokerSessionMs();
            try (Producers producers = new Producers(cluster.bootstrap(), TOPIC, PARTITIONS, PRODUCERS, options.rate(), history);
                 Consumers consumers = new Consumers(cluster.bootstrap(), TOPIC, CONSUMERS, "fault-group", session, history, log)) {
                consumers.start();
                producers.start();
                TimeUnit.SECONDS.sleep(options.warmupSeconds());
                long slice = TimeUnit.SECONDS.toMillis(options.faultSeconds()) / plan.size();
                for (FaultKind kind : plan) {
                    String what = nemesis.start(kind);
                    done.add(what);
                    history.record(at -> new Event.FaultStarted(at, what));
                    log.println("run " + number + ": " + what);
                    TimeUnit.MILLISECONDS.sleep(slice);
                }
                nemesis.healAll();
                healedAt = history.record(Event.Healed::new).at();
                TimeUnit.SECONDS.sleep(options.recoverySeconds());
                producers.stopAndAwait(Duration.ofSeconds(70));
                cluster.awaitReady(Duration.ofSeconds(60));
                FinalReader.read(cluster.bootstrap(), TOPIC, 0, history, Duration.ofSeconds(60));
                FinalReader.read(cluster.bootstrap(), TOPIC, 1, history, Duration.ofSeconds(60));
                awaitConsumers(consumers, history, Duration.ofSeconds(30));
            }
        } catch (RuntimeException e) {
            log.println("run " + number + " failed: " + e);
            writeState(cluster, dir.resolve("cluster-state.txt"));
            return new RunResult(number, seed, String.join(" + ", done.isEmpty() ? names(plan) : done),
                healedAt < 0 ? null : check(history, healedAt), e.getMessage());
        }
        RunResult result = new RunResult(number, seed, String.join(" + ", done), check(history, healedAt), null);
        if (!result.ok()) {
            writeState(cluster, dir.resolve("cluster-state.txt"));
        }
        return result;
    }

    /** What the cluster says about itself at the end of a failed run, beside its history. */
    private static void writeState(Cluster cluster, Path file) {
        try {
            Files.writeString(file, cluster.describe(List.of(TOPIC, "__consumer_offsets")));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static CheckResult check(History history, long healedAt) {
        return new Checker(history.events(), healedAt).check();
    }

    private void createTopic(Cluster cluster) throws InterruptedException {
        try (RunnelAdmin admin = new RunnelAdmin(cluster.bootstrap())) {
            admin.createTopic(TOPIC, PARTITIONS, 3, Map.of("min.insync.replicas", "2"));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (cluster.leaders(TOPIC).values().stream().filter(l -> l > 0).count() < PARTITIONS) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("topic " + TOPIC + " has no leader for every partition after 30 s");
            }
            TimeUnit.MILLISECONDS.sleep(200); // waiting for real processes
        }
    }

    /** Lets the group poll every record the final read found (they may be behind after the faults). */
    private static void awaitConsumers(Consumers consumers, History history, Duration timeout) throws InterruptedException {
        Set<String> all = new HashSet<>();
        history.events().forEach(e -> {
            if (e instanceof Event.FinalRead r && r.reader() == 0) {
                all.add(r.value());
            }
        });
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!consumers.seen().containsAll(all) && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(250); // the group catching up over real connections
        }
    }

    private List<String> nodeJvm() {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        return List.of(java.toString(), "-Xms64m", "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
            "-Dio.grpc.netty.shaded.io.netty.tryReflectionSetAccessible=true", "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED", "-cp", options.classpath());
    }

    private static List<String> names(List<FaultKind> plan) {
        return plan.stream().map(FaultKind::label).toList();
    }

    private static Path createDirectories(Path dir) {
        try {
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir, e);
        }
    }
}
