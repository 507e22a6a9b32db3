package io.runnel.client.cli;

import io.runnel.client.admin.QuorumDescription;
import io.runnel.client.admin.RunnelAdmin;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code runnel quorum describe|add-voter|remove-voter}: the controller quorum's voters (Kafka's
 * kafka-metadata-quorum). Each change returns once Raft has committed it; docs/operations.md walks
 * through scaling the voters up and down.
 */
@Command(name = "quorum", description = "Controller quorum (metadata voters) commands.",
    subcommands = {QuorumCommands.Describe.class, QuorumCommands.AddVoter.class, QuorumCommands.RemoveVoter.class})
final class QuorumCommands {
    @ParentCommand
    RunnelCli root;

    private RunnelAdmin admin() {
        return root.admin();
    }

    @Command(name = "describe", description = "The voters, the active controller, and how long since it heard from each.")
    static final class Describe implements Callable<Integer> {
        @ParentCommand
        QuorumCommands parent;
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            try (RunnelAdmin admin = parent.admin()) {
                QuorumDescription quorum = admin.describeQuorum();
                PrintWriter out = spec.commandLine().getOut();
                out.println("active controller: " + quorum.leaderId() + "  term: " + quorum.term());
                out.printf("%-6s %-40s %-9s %s%n", "NODE", "RAFT ADDRESS", "ROLE", "LAST CONTACT");
                for (QuorumDescription.Voter v : quorum.voters()) {
                    out.printf("%-6d %-40s %-9s %s%n", v.nodeId(), v.raftAddress(), v.leader() ? "leader" : "follower",
                        v.lastContactMs() < 0 ? "never" : v.lastContactMs() + " ms ago");
                }
                return 0;
            }
        }
    }

    @Command(name = "add-voter", description = "Add a controller started with quorum.join=true as a voter. Returns once the "
        + "new configuration has committed (the new voter has caught up first).")
    static final class AddVoter implements Callable<Integer> {
        @ParentCommand
        QuorumCommands parent;
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;
        @Parameters(paramLabel = "ID@HOST:PORT", description = "the new voter as quorum.voters lists it: its node id and "
            + "controller listener as the other voters reach it (Raft listens on PORT + 1)")
        String voter;

        @Override
        public Integer call() {
            int at = voter.indexOf('@');
            int colon = voter.lastIndexOf(':');
            int id;
            int port;
            try {
                id = Integer.parseInt(voter.substring(0, Math.max(at, 0)));
                port = Integer.parseInt(voter.substring(colon + 1));
            } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "expected ID@HOST:PORT (e.g. "
                    + "4@runnel-4.runnel-headless.default.svc:9192), got '" + voter + "'");
            }
            if (at <= 0 || colon < at + 2 || port < 1 || port > 65534) {
                throw new CommandLine.ParameterException(spec.commandLine(), "expected ID@HOST:PORT with a port from 1 to "
                    + "65534, got '" + voter + "'");
            }
            try (RunnelAdmin admin = parent.admin()) {
                List<Integer> voters = admin.addVoter(id, voter.substring(at + 1, colon), port + 1);
                spec.commandLine().getOut().println("added voter " + id + "; voters now " + voters);
                return 0;
            }
        }
    }

    @Command(name = "remove-voter", description = "Remove a voter, then stop that node. Refused (naming why) if it is not "
        + "a voter, the only one, or if fewer live voters than a majority would remain. Removing the active controller "
        + "moves leadership to another voter first.")
    static final class RemoveVoter implements Callable<Integer> {
        @ParentCommand
        QuorumCommands parent;
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;
        @Parameters(paramLabel = "ID", description = "the voter's node id")
        int id;

        @Override
        public Integer call() {
            try (RunnelAdmin admin = parent.admin()) {
                List<Integer> voters = admin.removeVoter(id);
                spec.commandLine().getOut().println("removed voter " + id + "; voters now " + voters);
                return 0;
            }
        }
    }
}
