package io.runnel.client.cli;

import io.runnel.client.admin.Reassignment;
import io.runnel.client.admin.RunnelAdmin;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code runnel partition reassign}: move a partition to other brokers, with a replication
 * throttle, cancel a move, or list the moves under way (Kafka's kafka-reassign-partitions
 * --execute --throttle / --cancel / --list).
 */
@Command(name = "partition", description = "Partition commands.", subcommands = {PartitionCommands.Reassign.class})
final class PartitionCommands {
    @ParentCommand
    RunnelCli root;

    @Command(name = "reassign", description = "Move a partition to other replicas (--topic, --partition, --replicas, optional "
        + "--throttle), cancel its move (--cancel), or list the moves under way (--list, exit 0 whether or not there are any). "
        + "A move completes by itself once every new replica is in the ISR.")
    static final class Reassign implements Callable<Integer> {
        @ParentCommand
        PartitionCommands parent;
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;
        @Option(names = "--topic", description = "the partition's topic (with --list: only its moves)")
        String topic;
        @Option(names = "--partition", description = "the partition")
        Integer partition;
        @Option(names = "--replicas", split = ",", description = "broker ids to move to, the first the preferred leader")
        List<Integer> replicas;
        @Option(names = "--throttle", defaultValue = "0",
            description = "bytes/s the leader sends, in all, to the added replicas until they are in sync (0: no throttle); "
                + "the other followers are not held back, and the throttle ends with the move")
        long throttle;
        @Option(names = "--cancel", description = "undo the partition's move: back to its original replicas, nothing lost")
        boolean cancel;
        @Option(names = "--list", description = "the moves under way: original and target replicas, ISR, throttle")
        boolean list;

        @Override
        public Integer call() {
            if (list) {
                if (cancel || replicas != null || partition != null) {
                    throw usage("--list takes only --topic");
                }
                return list();
            }
            if (topic == null || partition == null) {
                throw usage("--topic and --partition are needed (or --list)");
            }
            if (cancel == (replicas != null)) {
                throw usage(cancel ? "--cancel takes no --replicas" : "--replicas (or --cancel, or --list) is needed");
            }
            if (cancel && throttle != 0) {
                throw usage("--cancel takes no --throttle");
            }
            if (partition < 0 || throttle < 0) {
                throw usage(partition < 0 ? "--partition must be >= 0, got " + partition
                    : "--throttle must be >= 0 bytes/s, got " + throttle);
            }
            PrintWriter out = spec.commandLine().getOut();
            try (RunnelAdmin admin = parent.root.admin()) {
                if (cancel) {
                    admin.cancelReassignment(topic, partition);
                    out.println(topic + "-" + partition + ": move cancelled, back to its original replicas");
                } else {
                    admin.reassignPartition(topic, partition, replicas, throttle);
                    out.println(topic + "-" + partition + ": moving to " + replicas
                        + (throttle > 0 ? ", throttled to " + throttle + " bytes/s" : "")
                        + " (see: runnel partition reassign --list)");
                }
                return 0;
            }
        }

        private int list() {
            PrintWriter out = spec.commandLine().getOut();
            try (RunnelAdmin admin = parent.root.admin()) {
                List<Reassignment> moves = admin.listReassignments().stream()
                    .filter(r -> topic == null || r.topic().equals(topic)).toList();
                for (Reassignment r : moves) {
                    out.println(r.topic() + "-" + r.partition() + ": " + r.originalReplicas() + " -> " + r.targetReplicas()
                        + ", adding " + r.addingReplicas() + ", isr " + r.isr() + ", throttle "
                        + (r.throttleBytesPerSec() > 0 ? r.throttleBytesPerSec() + " bytes/s" : "none"));
                }
                out.println(moves.size() + " reassignment(s) in progress");
                return 0;
            }
        }

        private CommandLine.ParameterException usage(String message) {
            return new CommandLine.ParameterException(spec.commandLine(), message);
        }
    }
}
