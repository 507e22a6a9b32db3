package io.runnel.client.cli;

import io.runnel.client.admin.RunnelAdmin;
import io.runnel.proto.v1.BrokerRegistration;
import io.runnel.proto.v1.DescribeClusterResponse;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/** {@code runnel cluster describe}: the active controller and the brokers as the controller sees them. */
@Command(name = "cluster", description = "Cluster commands.", subcommands = {ClusterCommands.Describe.class})
final class ClusterCommands {
    @ParentCommand
    RunnelCli root;

    @Command(name = "describe", description = "Active controller, brokers and topic count.")
    static final class Describe implements Callable<Integer> {
        @ParentCommand
        ClusterCommands parent;
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            try (RunnelAdmin admin = parent.root.admin()) {
                DescribeClusterResponse d = admin.describeCluster();
                PrintWriter out = spec.commandLine().getOut();
                out.println("controller: " + (d.getControllerId() < 0 ? "none" : "node " + d.getControllerId()));
                for (BrokerRegistration b : d.getImage().getBrokersList()) {
                    out.printf("broker %d\t%s:%d\t%s%s%n", b.getBrokerId(), b.getEndpoint().getHost(), b.getEndpoint().getPort(),
                        b.getFenced() ? "fenced" : "ready", b.getRack().isEmpty() ? "" : "\track " + b.getRack());
                }
                out.println("topics: " + d.getImage().getTopicsCount());
                return 0;
            }
        }
    }
}
