package io.runnel.faultsuite.hosts;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A latency proxy ({@code io.runnel.faultsuite.latency.LatencyProxy}) as a real process inside a
 * node's network namespace, forwarding each proxy port to the node's own listener on that host
 * with a delay. Its output goes to a log file beside the node's.
 */
public final class ProxyProcess {
    private static final String MAIN = "io.runnel.faultsuite.latency.LatencyProxy";

    private final Host host;
    private final Process process;

    /**
     * Starts the proxy and waits until it says every port is bound.
     *
     * @param jvm   {@code java} and its flags, up to and including the classpath
     * @param ports node listener port to proxy port, both on {@code host}'s address
     * @throws IllegalStateException naming the log file if it does not get ready
     */
    ProxyProcess(Host host, List<String> jvm, Map<Integer, Integer> ports, long delayMs, long jitterMs, long seed, Path logFile)
        throws InterruptedException {
        this.host = host;
        List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", host.netns()));
        command.addAll(jvm);
        command.addAll(List.of(MAIN, "--bind", host.ip(), "--delay-ms", Long.toString(delayMs), "--jitter-ms",
            Long.toString(jitterMs), "--seed", Long.toString(seed)));
        ports.forEach((nodePort, proxyPort) -> command.addAll(List.of("--route", proxyPort + "=" + host.ip() + ":" + nodePort)));
        try {
            Files.deleteIfExists(logFile);
            process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile())).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start a latency proxy in " + host.netns(), e);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!ready(logFile)) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                stop();
                throw new IllegalStateException("the latency proxy in " + host.netns() + " did not get ready; see " + logFile);
            }
            TimeUnit.MILLISECONDS.sleep(100); // a JVM starting in another namespace
        }
    }

    private static boolean ready(Path logFile) {
        try {
            return Files.exists(logFile) && Files.readString(logFile).startsWith("ready");
        } catch (IOException e) {
            return false;
        }
    }

    public Host host() {
        return host;
    }

    /** SIGKILL: every connection through it ends (its peers hear of it while the redirect is still in place). */
    public void stop() {
        process.destroyForcibly();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the latency proxy in " + host.netns() + " (pid " + process.pid()
                    + ") did not exit after SIGKILL");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for the latency proxy in " + host.netns() + " to exit", e);
        }
    }
}
