package io.runnel.client.cli;

import io.runnel.client.admin.MoveRefusal;
import io.runnel.client.admin.PartitionMove;
import io.runnel.client.admin.Reassignment;
import io.runnel.client.admin.RunnelAdmin;
import io.runnel.client.common.TopicPartition;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code runnel partition reassign}: move a partition, or several in one call, all or nothing
 * ({@code --move}, {@code --moves-file}), to other brokers, with a replication throttle, cancel a
 * move or several, or list the moves under way (Kafka's kafka-reassign-partitions --execute
 * --throttle / --cancel / --list).
 */
@Command(name = "partition", description = "Partition commands.", subcommands = {PartitionCommands.Reassign.class})
final class PartitionCommands {
    @ParentCommand
    RunnelCli root;

    @Command(name = "reassign", description = "Move a partition to other replicas (--topic, --partition, --replicas, optional "
        + "--throttle), several partitions in one call, all or nothing (--move T:P=IDS, repeatable, or --moves-file FILE with "
        + "one T:P=IDS a line; if any move is refused none is made: exit 1 naming each refused move), cancel a move (--cancel) "
        + "or several (--cancel with --move T:P or --moves-file: the file that started them will do), or list the moves under "
        + "way (--list, exit 0 whether or not there are any). A move completes by itself once every new replica is in the ISR.")
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
        @Option(names = "--cancel", description = "undo the partition's move (or, with --move/--moves-file, the moves of those "
            + "partitions, all or nothing): back to the original replicas, nothing lost")
        boolean cancel;
        @Option(names = "--list", description = "the moves under way: original and target replicas, ISR, throttle")
        boolean list;
        @Option(names = "--move", paramLabel = "TOPIC:PARTITION=IDS", description = "one of several moves made in one call, "
            + "e.g. orders:0=2,3 (repeatable)")
        List<String> moves = new ArrayList<>();
        @Option(names = "--moves-file", paramLabel = "FILE", description = "moves made in one call, one TOPIC:PARTITION=IDS a "
            + "line ('#' starts a comment)")
        Path movesFile;

        @Override
        public Integer call() {
            if (!moves.isEmpty() || movesFile != null) {
                if (list || topic != null || partition != null || replicas != null || (cancel && throttle != 0)) {
                    throw usage("--move and --moves-file take only --throttle, or --cancel");
                }
                return moveSeveral();
            }
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

        private int moveSeveral() {
            List<String> texts = new ArrayList<>(moves);
            if (movesFile != null) {
                try {
                    Files.readAllLines(movesFile).stream().map(l -> l.replaceFirst("#.*", "").trim()).filter(l -> !l.isEmpty())
                        .forEach(texts::add);
                } catch (IOException e) {
                    throw usage("cannot read --moves-file " + movesFile + ": " + e.getMessage());
                }
            }
            if (throttle < 0) {
                throw usage("--throttle must be >= 0 bytes/s, got " + throttle);
            }
            if (texts.isEmpty()) {
                throw usage("--moves-file " + movesFile + " names no moves");
            }
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            try (RunnelAdmin admin = parent.root.admin()) {
                List<MoveRefusal> refused;
                int count = texts.size();
                try {
                    refused = cancel ? admin.cancelReassignments(texts.stream().map(Reassign::partitionOf).toList())
                        : admin.reassignPartitions(texts.stream().map(PartitionMove::parse).toList(), throttle);
                } catch (IllegalArgumentException e) {
                    throw usage(e.getMessage());
                }
                for (MoveRefusal r : refused) {
                    err.println(r.partition() + ": refused: " + r.error() + ": " + r.message());
                }
                if (!refused.isEmpty()) {
                    err.println("nothing " + (cancel ? "cancelled" : "moved") + ": " + refused.size() + " of " + count
                        + " move(s) refused");
                    return 1;
                }
                out.println(cancel ? count + " move(s) cancelled, back to their original replicas"
                    : count + " move(s) started" + (throttle > 0 ? ", throttled to " + throttle + " bytes/s" : "")
                        + " (see: runnel partition reassign --list)");
                return 0;
            }
        }

        /** {@code TOPIC:PARTITION}, or a move {@code TOPIC:PARTITION=IDS} whose replicas a cancel does not need. */
        private static TopicPartition partitionOf(String text) {
            try {
                PartitionMove m = PartitionMove.parse(text.contains("=") ? text : text + "=0");
                return new TopicPartition(m.topic(), m.partition());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("a partition to cancel is TOPIC:PARTITION (e.g. orders:0), or a move "
                    + "TOPIC:PARTITION=IDS, got '" + text + "'", e);
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
