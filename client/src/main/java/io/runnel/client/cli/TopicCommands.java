package io.runnel.client.cli;

import io.runnel.client.admin.RunnelAdmin;
import io.runnel.proto.v1.PartitionMetadata;
import io.runnel.proto.v1.TopicMetadata;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code runnel topic create|delete|describe|list|alter|delete-records}. */
@Command(name = "topic", description = "Topic commands.",
    subcommands = {TopicCommands.Create.class, TopicCommands.Delete.class, TopicCommands.Describe.class,
    TopicCommands.ListTopics.class, TopicCommands.Alter.class, DeleteRecordsCommand.class})
final class TopicCommands {
    @ParentCommand
    RunnelCli root;

    @Command(name = "create", description = "Create a topic.")
    static final class Create implements Callable<Integer> {
        @ParentCommand
        TopicCommands parent;
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;
        @Parameters(index = "0", description = "topic name")
        String name;
        @Option(names = "--partitions", defaultValue = "1")
        int partitions;
        @Option(names = "--replication-factor",
            description = "replicas per partition (default: the cluster's default.replication.factor)")
        Integer replicationFactor;
        @Option(names = "--config", description = "key=value, repeatable")
        List<String> configs = new ArrayList<>();

        @Override
        public Integer call() {
            try (RunnelAdmin admin = parent.root.admin()) {
                admin.createTopic(name, partitions, replicationFactor == null ? RunnelAdmin.CLUSTER_DEFAULT_REPLICATION
                    : replicationFactor, RunnelCli.parseConfigs(configs));
                spec.commandLine().getOut().println("created topic " + name);
                return 0;
            }
        }
    }

    @Command(name = "delete", description = "Delete a topic and its data.")
    static final class Delete implements Callable<Integer> {
        @ParentCommand
        TopicCommands parent;
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;
        @Parameters(index = "0")
        String name;

        @Override
        public Integer call() {
            try (RunnelAdmin admin = parent.root.admin()) {
                admin.deleteTopic(name);
                spec.commandLine().getOut().println("deleted topic " + name);
                return 0;
            }
        }
    }

    @Command(name = "describe", description = "Partitions with leaders, replicas and ISR.")
    static final class Describe implements Callable<Integer> {
        @ParentCommand
        TopicCommands parent;
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;
        @Parameters(index = "0")
        String name;

        @Override
        public Integer call() {
            try (RunnelAdmin admin = parent.root.admin()) {
                TopicMetadata t = admin.describeTopic(name);
                PrintWriter out = spec.commandLine().getOut();
                out.println("topic " + t.getName() + ", " + t.getPartitionsCount() + " partitions");
                for (PartitionMetadata p : t.getPartitionsList()) {
                    out.printf("partition %d\tleader %d\tepoch %d\treplicas %s\tisr %s%n", p.getPartition(), p.getLeaderId(),
                        p.getLeaderEpoch(), p.getReplicasList(), p.getIsrList());
                }
                return 0;
            }
        }
    }

    @Command(name = "list", description = "Topic names.")
    static final class ListTopics implements Callable<Integer> {
        @ParentCommand
        TopicCommands parent;
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            try (RunnelAdmin admin = parent.root.admin()) {
                admin.listTopics().forEach(spec.commandLine().getOut()::println);
                return 0;
            }
        }
    }

    @Command(name = "alter", description = "Change configs (--config k=v) or raise the partition count (--partitions N).")
    static final class Alter implements Callable<Integer> {
        @ParentCommand
        TopicCommands parent;
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;
        @Parameters(index = "0")
        String name;
        @Option(names = "--config")
        List<String> configs = new ArrayList<>();
        @Option(names = "--partitions")
        Integer partitions;

        @Override
        public Integer call() {
            if (configs.isEmpty() && partitions == null) {
                throw new CommandLine.ParameterException(spec.commandLine(), "give --config key=value or --partitions N");
            }
            try (RunnelAdmin admin = parent.root.admin()) {
                if (!configs.isEmpty()) {
                    admin.alterConfigs(name, RunnelCli.parseConfigs(configs));
                }
                if (partitions != null) {
                    admin.createPartitions(name, partitions);
                }
                spec.commandLine().getOut().println("altered topic " + name);
                return 0;
            }
        }
    }
}
