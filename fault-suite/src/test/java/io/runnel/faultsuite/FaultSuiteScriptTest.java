package io.runnel.faultsuite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The short version of scripts/fault-suite: one run of three real nodes in network namespaces in
 * which a partition leader's host is cut off from every other host (iptables) and healed, checked
 * to lose, duplicate, reorder and skip nothing. One fault that needs no node restarted keeps it
 * short (about a minute, most of it three JVMs starting); the script runs the other faults.
 * Skipped, naming what is missing, where network namespaces cannot be made (not root, no ip, no
 * iptables).
 */
class FaultSuiteScriptTest {
    @TempDir
    Path dir;

    @Test
    void isolatedLeaderLosesNothing() throws Exception {
        assumeNamespacesCanBeMade();
        Path script = Path.of("").toAbsolutePath().getParent().resolve("scripts/fault-suite");
        ProcessBuilder pb = new ProcessBuilder(script.toString(), "--runs", "1", "--seed", "1", "--dir", dir.toString(),
            "--faults", "isolate-leader", "--warmup-seconds", "2", "--fault-seconds", "6", "--recovery-seconds", "3",
            "--session-ms", "4000", "--rate", "20").redirectErrorStream(true).redirectOutput(dir.resolve("suite.out").toFile());
        pb.environment().put("FAULT_SUITE_CLASSPATH", System.getProperty("java.class.path"));
        Process suite = pb.start();
        if (!suite.waitFor(5, TimeUnit.MINUTES)) {
            suite.destroy(); // SIGTERM: the script's trap removes its namespaces and processes
            suite.waitFor(30, TimeUnit.SECONDS);
        }
        String out = Files.readString(dir.resolve("suite.out"));
        assertEquals(0, suite.exitValue(), out);
        String row = out.lines().filter(l -> l.startsWith("| 1 | 1 |")).findFirst().orElseThrow(() -> new AssertionError(out));
        assertTrue(row.contains("isolate-leader(n"), row);
        assertTrue(row.endsWith("| ok |"), row);
        long acked = Long.parseLong(row.split("\\|")[4].trim());
        assertTrue(acked > 0, row);
        assertTrue(Files.readString(dir.resolve("run-1/history.jsonl")).contains("\"type\":\"final-read\""), "history written");
    }

    private static void assumeNamespacesCanBeMade() throws IOException, InterruptedException {
        assumeTrue("0".equals(output("id", "-u")), "fault suite skipped: needs root to make network namespaces");
        assumeTrue(onPath("ip"), "fault suite skipped: no 'ip' command (iproute2)");
        assumeTrue(onPath("iptables"), "fault suite skipped: no 'iptables' (apt-get install iptables; .ci/run installs it)");
        String probe = "rfs-probe-" + ProcessHandle.current().pid();
        boolean made = run("ip", "netns", "add", probe) == 0;
        if (made) {
            run("ip", "netns", "del", probe);
        }
        assumeTrue(made, "fault suite skipped: 'ip netns add' fails here (no network namespaces in this sandbox)");
    }

    private static boolean onPath(String command) {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(d, command))) {
                return true;
            }
        }
        return List.of("/usr/sbin", "/sbin").stream().anyMatch(d -> Files.isExecutable(Path.of(d, command)));
    }

    private static int run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        return p.waitFor(30, TimeUnit.SECONDS) ? p.exitValue() : -1;
    }

    private static String output(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        p.waitFor(30, TimeUnit.SECONDS);
        return out;
    }
}
