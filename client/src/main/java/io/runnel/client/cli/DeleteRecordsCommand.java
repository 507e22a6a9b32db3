package io.runnel.client.cli;

import io.runnel.client.admin.RunnelAdmin;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code runnel topic delete-records T --partition P --before-offset N} (Kafka's kafka-delete-records). */
@Command(name = "delete-records", description = "Delete a partition's records below an offset: its log start offset moves "
    + "there on the leader and its followers, and consumers reading below it get OFFSET_OUT_OF_RANGE.")
final class DeleteRecordsCommand implements Callable<Integer> {
    @ParentCommand
    TopicCommands parent;
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;
    @Parameters(index = "0", description = "topic name")
    String topic;
    @Option(names = "--partition", required = true)
    int partition;
    @Option(names = "--before-offset", required = true,
        description = "records below this offset are deleted; -1 for the high watermark (every committed record)")
    long beforeOffset;

    @Override
    public Integer call() {
        if (partition < 0 || beforeOffset < -1) {
            throw new CommandLine.ParameterException(spec.commandLine(), partition < 0
                ? "--partition must be >= 0, got " + partition : "--before-offset must be >= 0 or -1, got " + beforeOffset);
        }
        try (RunnelAdmin admin = parent.root.admin()) {
            long start = admin.deleteRecords(topic, partition, beforeOffset);
            spec.commandLine().getOut().println(topic + "-" + partition + ": log start offset is now " + start);
            return 0;
        }
    }
}
