package io.runnel.client.cli;

import io.runnel.client.admin.RunnelAdmin;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code runnel offsets}: each partition's earliest and latest offsets, or the first at or after a time. */
@Command(name = "offsets", description = "Per partition: earliest, latest, or first offset at/after --time ms.")
final class OffsetsCommand implements Callable<Integer> {
    @ParentCommand
    RunnelCli root;
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;
    @Parameters(index = "0")
    String topic;
    @Option(names = "--time", description = "earliest, latest, or ms since the epoch")
    String time;

    @Override
    public Integer call() {
        try (RunnelAdmin admin = root.admin()) {
            PrintWriter out = spec.commandLine().getOut();
            if (time == null) {
                Map<Integer, Long> earliest = admin.offsets(topic, RunnelAdmin.EARLIEST);
                Map<Integer, Long> latest = admin.offsets(topic, RunnelAdmin.LATEST);
                earliest.forEach((p, e) -> out.printf("%s-%d\tearliest %d\tlatest %d%n", topic, p, e, latest.get(p)));
                return 0;
            }
            long ts;
            switch (time) {
                case "earliest" -> ts = RunnelAdmin.EARLIEST;
                case "latest" -> ts = RunnelAdmin.LATEST;
                default -> {
                    try {
                        ts = Long.parseLong(time);
                    } catch (NumberFormatException e) {
                        throw new CommandLine.ParameterException(spec.commandLine(), "--time must be earliest, latest or ms, got " + time);
                    }
                }
            }
            admin.offsets(topic, ts).forEach((p, o) -> out.printf("%s-%d\t%d%n", topic, p, o));
            return 0;
        }
    }
}
