package io.runnel.client.cli;

import io.runnel.client.admin.LeaderElection;
import io.runnel.client.admin.RunnelAdmin;
import io.runnel.proto.v1.ErrorCode;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code runnel leader elect}: partition leadership (Kafka's kafka-leader-election --election-type preferred). */
@Command(name = "leader", description = "Partition leadership commands.", subcommands = {LeaderCommands.Elect.class})
final class LeaderCommands {
    @ParentCommand
    RunnelCli root;

    @Command(name = "elect", description = "Move leadership back to each partition's preferred replica (the first of its "
        + "assignment) where it is in the ISR and live: every partition, a topic's, or one partition's. Exit 0 when every "
        + "partition is led by its preferred replica afterwards, 1 otherwise (each one named).")
    static final class Elect implements Callable<Integer> {
        @ParentCommand
        LeaderCommands parent;
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;
        @Option(names = "--topic", description = "only this topic's partitions")
        String topic;
        @Option(names = "--partition", description = "only this partition of --topic")
        Integer partition;

        @Override
        public Integer call() {
            if (partition != null && topic == null) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--partition needs --topic");
            }
            Map<String, Set<Integer>> asked = topic == null ? Map.of()
                : Map.of(topic, partition == null ? Set.of() : Set.of(partition));
            try (RunnelAdmin admin = parent.root.admin()) {
                List<LeaderElection> results = admin.electPreferredLeaders(asked);
                PrintWriter out = spec.commandLine().getOut();
                PrintWriter err = spec.commandLine().getErr();
                int moved = 0;
                int alreadyPreferred = 0;
                int failed = 0;
                for (LeaderElection r : results) {
                    String name = r.partition() < 0 ? r.topic() : r.topic() + "-" + r.partition();
                    if (r.moved()) {
                        moved++;
                        out.println(name + ": leader is now broker " + r.leader());
                    } else if (r.error() == ErrorCode.ELECTION_NOT_NEEDED) {
                        alreadyPreferred++;
                    } else {
                        failed++;
                        err.println(name + ": " + r.error() + " " + r.message());
                    }
                }
                out.println("moved " + moved + ", already led by the preferred replica " + alreadyPreferred + ", not moved "
                    + failed);
                return failed == 0 ? 0 : 1;
            }
        }
    }
}
