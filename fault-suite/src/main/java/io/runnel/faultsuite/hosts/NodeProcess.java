package io.runnel.faultsuite.hosts;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * One Runnel node (broker + controller, the node main scripts/cluster starts) as a real process
 * inside its host's network namespace, with its data directory and its log file (appended across
 * restarts). Signals go to the JVM itself: {@code ip netns exec} replaces itself with it.
 */
public final class NodeProcess {
    private static final String MAIN = "io.runnel.broker.node.RunnelNode";

    private final int id;
    private final Host host;
    private final Path dataDir;
    private final Path logFile;
    private final Map<String, String> settings;
    private final List<String> javaCommand;
    private Process process;
    private boolean paused;
    /** Started with quorum.join=true from {@link #rejoinQuorum} on (a voter with a Raft log ignores it). */
    private boolean joining;

    /**
     * @param settings the node's {@code RUNNEL_*} environment (NodeConfig keys)
     * @param jvm      {@code java} and its flags, up to and including the classpath
     */
    NodeProcess(int id, Host host, Path dir, Map<String, String> settings, List<String> jvm) {
        this.id = id;
        this.host = host;
        this.dataDir = dir.resolve("node-" + id).resolve("data");
        this.logFile = dir.resolve("node-" + id + ".log");
        this.settings = Map.copyOf(settings);
        List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", host.netns()));
        command.addAll(jvm);
        command.add(MAIN);
        this.javaCommand = List.copyOf(command);
    }

    public int id() {
        return id;
    }

    public Host host() {
        return host;
    }

    public Path logFile() {
        return logFile;
    }

    public synchronized void start() {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("node " + id + " is already running");
        }
        try {
            Files.createDirectories(dataDir);
            ProcessBuilder pb = new ProcessBuilder(javaCommand).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
            pb.environment().keySet().removeIf(k -> k.startsWith("RUNNEL_"));
            pb.environment().putAll(settings);
            pb.environment().put("RUNNEL_DATA_DIR", dataDir.toString());
            if (joining) {
                pb.environment().put("RUNNEL_QUORUM_JOIN", "true");
            }
            process = pb.start();
            paused = false;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start node " + id, e);
        }
    }

    public synchronized boolean alive() {
        return process != null && process.isAlive();
    }

    /** SIGKILL, and waits until the process is gone. */
    public synchronized void kill() {
        if (!alive()) {
            return;
        }
        process.destroyForcibly();
        waitForExit();
    }

    /** Deletes the data directory of a node that is not running (its partitions and its Raft log). */
    public synchronized void deleteData() {
        if (alive()) {
            throw new IllegalStateException("node " + id + " is running: stop it before deleting its data");
        }
        try (Stream<Path> files = Files.walk(dataDir)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the data of node " + id + " in " + dataDir, e);
        }
    }

    /**
     * Makes a node removed from the controller quorum ready to be added again: SIGKILL, its Raft
     * directory deleted (its partitions kept), started with {@code quorum.join=true} (a removed
     * voter's Raft server has closed and cannot simply be added back).
     */
    public synchronized void rejoinQuorum() {
        kill();
        Path raft = dataDir.resolve("__raft");
        if (Files.exists(raft)) {
            try (Stream<Path> files = Files.walk(raft)) {
                for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(f);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot delete the Raft directory of node " + id + " in " + raft, e);
            }
        }
        joining = true;
        start();
    }

    /** SIGSTOP: the node freezes, its sockets stay open. */
    public synchronized void pause() {
        if (alive() && !paused) {
            Commands.signal(process.pid(), "STOP");
            paused = true;
        }
    }

    /** SIGCONT after {@link #pause()}. */
    public synchronized void resume() {
        if (alive() && paused) {
            Commands.signal(process.pid(), "CONT");
        }
        paused = false;
    }

    /** Resumes a paused node and starts a dead one again on the same data directory. */
    public synchronized void heal() {
        resume();
        if (!alive()) {
            start();
        }
    }

    /** SIGKILL at the end of a run (a SIGSTOPped JVM ignores SIGTERM until resumed). */
    public synchronized void stop() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            waitForExit();
        }
    }

    private void waitForExit() {
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("node " + id + " (pid " + process.pid() + ") did not exit after SIGKILL");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for node " + id + " to exit", e);
        }
    }
}
