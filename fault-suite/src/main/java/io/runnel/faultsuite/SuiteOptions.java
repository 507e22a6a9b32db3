package io.runnel.faultsuite;

import io.runnel.faultsuite.hosts.Host;
import io.runnel.faultsuite.nemesis.FaultKind;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * The settings of a fault-suite invocation (scripts/fault-suite passes the hosts it made).
 *
 * @param runs            how many runs
 * @param seed            the first run's seed; run i uses seed + i - 1, so one run can be repeated alone
 * @param nodes           one host per node (3 or 5)
 * @param client          the host this process and the workload run in
 * @param dir             where each run keeps its node data, node logs and history
 * @param classpath       the classpath the nodes run with (it must hold io.runnel.broker.node.RunnelNode)
 * @param faults          the faults the nemesis chooses from
 * @param warmupSeconds   load before the first fault
 * @param faultSeconds    how long the faults last (longer than the broker session, so pauses expire it)
 * @param recoverySeconds load after the heal
 * @param rate            records per second of each of the two producers
 * @param brokerSessionMs broker.session.timeout.ms of the nodes; the consumers' group session is the same
 * @param diskMb          size of each node's own filesystem (a tmpfs), which disk-full fills; 0 for none
 */
public record SuiteOptions(int runs, long seed, List<Host> nodes, Host client, Path dir, String classpath, List<FaultKind> faults,
                           int warmupSeconds, int faultSeconds, int recoverySeconds, int rate, long brokerSessionMs,
                           int diskMb) {
    public SuiteOptions {
        nodes = List.copyOf(nodes);
        faults = List.copyOf(faults);
        if (runs < 1) {
            throw new IllegalArgumentException("--runs must be >= 1, got " + runs);
        }
        if (nodes.size() != 3 && nodes.size() != 5) {
            throw new IllegalArgumentException("--nodes needs 3 or 5 hosts, got " + nodes.size());
        }
        if (faults.isEmpty()) {
            throw new IllegalArgumentException("--faults must name at least one fault");
        }
        if (faultSeconds * 1000L <= brokerSessionMs) {
            throw new IllegalArgumentException("--fault-seconds (" + faultSeconds + ") must exceed the broker session ("
                + brokerSessionMs + " ms), or pauses never expire it");
        }
        if (diskMb < 0 || diskMb == 0 && faults.contains(FaultKind.DISK_FULL_LEADER)) {
            throw new IllegalArgumentException("--disk-mb must be >= 0, and > 0 for disk-full-leader, got " + diskMb);
        }
        if (warmupSeconds < 1 || recoverySeconds < 1 || rate < 1) {
            throw new IllegalArgumentException("--warmup-seconds, --recovery-seconds and --rate must be >= 1");
        }
    }

    /** @throws IllegalArgumentException naming the bad or missing option */
    public static SuiteOptions parse(String[] args) {
        int runs = 1;
        long seed = System.currentTimeMillis();
        List<Host> nodes = null;
        Host client = null;
        Path dir = null;
        String classpath = System.getProperty("java.class.path");
        List<FaultKind> faults = null;
        int warmup = 5;
        int fault = 12;
        int recovery = 10;
        int rate = 50;
        long session = 6000;
        int disk = 256;
        for (int i = 0; i < args.length; i++) {
            String name = args[i];
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(name + " needs a value");
            }
            String v = args[++i];
            switch (name) {
                case "--runs" -> runs = Integer.parseInt(v);
                case "--seed" -> seed = Long.parseLong(v);
                case "--nodes" -> nodes = Arrays.stream(v.split(",")).map(Host::parse).toList();
                case "--client" -> client = Host.parse(v);
                case "--dir" -> dir = Path.of(v);
                case "--classpath" -> classpath = v;
                case "--faults" -> faults = Arrays.stream(v.split(",")).map(FaultKind::ofLabel).toList();
                case "--warmup-seconds" -> warmup = Integer.parseInt(v);
                case "--fault-seconds" -> fault = Integer.parseInt(v);
                case "--recovery-seconds" -> recovery = Integer.parseInt(v);
                case "--rate" -> rate = Integer.parseInt(v);
                case "--session-ms" -> session = Long.parseLong(v);
                case "--disk-mb" -> disk = Integer.parseInt(v);
                default -> throw new IllegalArgumentException("unknown option " + name);
            }
        }
        if (faults == null) {
            // every fault; without the nodes' own disks, every one but filling them
            boolean disks = disk > 0;
            faults = Arrays.stream(FaultKind.values()).filter(k -> disks || k != FaultKind.DISK_FULL_LEADER).toList();
        }
        if (nodes == null || client == null || dir == null) {
            throw new IllegalArgumentException("--nodes, --client and --dir are required (scripts/fault-suite passes them)");
        }
        return new SuiteOptions(runs, seed, nodes, client, dir, classpath, faults, warmup, fault, recovery, rate, session, disk);
    }
}
