package io.runnel.client.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.runnel.broker.node.TestCluster;
import io.runnel.client.admin.GroupDescription;
import io.runnel.client.admin.PartitionLag;
import io.runnel.client.admin.RunnelAdmin;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15: the clients in other languages ({@code examples/python}, {@code examples/node}), written
 * from the {@code .proto} files alone, run as real processes against a real 3-node cluster: each
 * publishes records idempotently on a Publish stream and consumes them in a group on a Subscribe
 * stream, and exits 0 only if every record came back and the group committed past it. The test
 * then checks on its own that the log holds each record once and the group's committed offsets
 * are at the log end. Skipped, naming what to install, where a runtime or its packages are
 * missing ({@code .ci/run} installs them).
 */
class ExampleClientsClusterTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final int RECORDS = 200;
    /** Per process; each stream of an example has a deadline of half of it. */
    private static final long PROCESS_TIMEOUT_SECONDS = 60;

    @TempDir
    static Path tmp;
    /** Started by the first test that runs an example, so a machine without either runtime starts none. */
    private static TestCluster cluster;

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static TestCluster cluster() throws IOException {
        if (cluster == null) {
            // Sessions far longer than the wait for the member to leave below: it must leave, not expire.
            cluster = TestCluster.start(tmp.resolve("cluster"), 3, Map.of("offsets.topic.num.partitions", "1",
                "group.heartbeat.interval.ms", "200", "group.session.timeout.ms", "30000"));
        }
        return cluster;
    }

    @Test
    void python_publishesAndConsumesInAGroup() throws Exception {
        Path python = Path.of("/usr/bin/python3");
        Assumptions.assumeTrue(Files.isExecutable(python), "no /usr/bin/python3: apt-get install python3");
        Assumptions.assumeTrue(exitCode(List.of(python.toString(), "-c", "import grpc")) == 0,
            "/usr/bin/python3 has no grpc module: apt-get install python3-grpcio");
        Assumptions.assumeTrue(onPath("protoc").isPresent(), "no protoc on PATH: apt-get install protobuf-compiler");
        runExample("python", List.of(python.toString(), ROOT.resolve("examples/python/publish_subscribe.py").toString()));
    }

    @Test
    void node_publishesAndConsumesInAGroup() throws Exception {
        Optional<Path> node = onPath("node");
        Assumptions.assumeTrue(node.isPresent(), "no node on PATH: install Node.js 18 or newer (apt-get install nodejs npm)");
        Assumptions.assumeTrue(Files.isDirectory(ROOT.resolve("examples/node/node_modules/@grpc/grpc-js")),
            "examples/node/node_modules is missing: npm ci --prefix examples/node");
        runExample("node", List.of(node.get().toString(), ROOT.resolve("examples/node/publish-subscribe.js").toString()));
    }

    private static void runExample(String language, List<String> command) throws Exception {
        TestCluster cluster = cluster();
        String topic = language + "-example";
        String group = language + "-example-group";
        cluster.createTopic(topic, 3, 3, Map.of());
        // One broker's address: the streams are served by any broker, which forwards to leaders.
        List<String> args = new ArrayList<>(command);
        args.addAll(List.of("--bootstrap", "127.0.0.1:" + cluster.clientPort(2), "--topic", topic,
            "--count", Integer.toString(RECORDS), "--group", group, "--timeout", Long.toString(PROCESS_TIMEOUT_SECONDS / 2)));
        Path log = tmp.resolve(language + ".log");
        Process process = new ProcessBuilder(args).directory(ROOT.toFile()).redirectErrorStream(true)
            .redirectOutput(log.toFile()).start();
        if (!process.waitFor(PROCESS_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            fail(language + " example still running after " + PROCESS_TIMEOUT_SECONDS + " s:\n" + Files.readString(log));
        }
        String output = Files.readString(log);
        assertEquals(0, process.exitValue(), output);
        assertTrue(output.contains("published " + RECORDS + " records to partitions [0, 1, 2], acks in order"), output);
        assertTrue(output.contains("consumed " + RECORDS + " records in group " + group), output);
        assertTrue(output.strip().endsWith("OK"), output);

        // What the example said, checked from the cluster's side: each record written once
        // (idempotent publish), everything committed, and the stream's member gone.
        try (RunnelAdmin admin = new RunnelAdmin(cluster.bootstrap())) {
            assertEquals(RECORDS, admin.offsets(topic, RunnelAdmin.LATEST).values().stream().mapToLong(Long::longValue).sum());
            // The broker sends the leave as the stream ends, without waiting for its answer.
            GroupDescription described = Awaitility.await().atMost(Duration.ofSeconds(5))
                .until(() -> admin.describeGroup(group), d -> d.state().equals("EMPTY"));
            assertEquals(3, described.partitions().size(), described.toString());
            for (PartitionLag lag : described.partitions()) {
                assertEquals(lag.logEndOffset(), lag.committedOffset(), lag.toString());
            }
        }
    }

    private static int exitCode(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }

    private static Optional<Path> onPath(String executable) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(dir, executable);
            if (!dir.isEmpty() && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }
}
