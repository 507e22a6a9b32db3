package io.runnel.client.cli;

import io.runnel.client.admin.GroupDescription;
import io.runnel.client.admin.GroupListing;
import io.runnel.client.admin.GroupMember;
import io.runnel.client.admin.PartitionLag;
import io.runnel.client.admin.ResetSpec;
import io.runnel.client.admin.RunnelAdmin;
import io.runnel.client.common.TopicPartition;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code runnel group list|describe|reset-offsets|delete}: consumer groups, as kafka-consumer-groups shows them. */
@Command(name = "group", description = "Consumer group commands.",
    subcommands = {GroupCommands.ListGroups.class, GroupCommands.Describe.class, GroupCommands.ResetOffsets.class,
        GroupCommands.Delete.class})
final class GroupCommands {
    @ParentCommand
    RunnelCli root;

    @Command(name = "list", description = "Every consumer group, with its state and member count.")
    static final class ListGroups implements Callable<Integer> {
        @ParentCommand
        GroupCommands parent;
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            try (RunnelAdmin admin = parent.root.admin()) {
                List<String[]> rows = new ArrayList<>();
                rows.add(new String[] {"GROUP", "STATE", "MEMBERS", "COORDINATOR"});
                for (GroupListing g : admin.listGroups()) {
                    rows.add(new String[] {g.groupId(), g.state(), Integer.toString(g.members()), Integer.toString(g.coordinatorId())});
                }
                printTable(spec.commandLine().getOut(), rows);
                return 0;
            }
        }
    }

    @Command(name = "describe", description = "A group's offsets and lag per partition, and its members.")
    static final class Describe implements Callable<Integer> {
        @ParentCommand
        GroupCommands parent;
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;
        @Parameters(index = "0", description = "group id")
        String group;

        @Override
        public Integer call() {
            requireGroup(spec, group);
            try (RunnelAdmin admin = parent.root.admin()) {
                GroupDescription d = admin.describeGroup(group);
                PrintWriter out = spec.commandLine().getOut();
                out.printf("group %s: %s, epoch %d, assignor %s, coordinator %d, %d members%n%n", d.groupId(), d.state(),
                    d.groupEpoch(), d.assignor().isEmpty() ? "-" : d.assignor(), d.coordinatorId(), d.members().size());
                List<String[]> rows = new ArrayList<>();
                rows.add(new String[] {"TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", "MEMBER-ID"});
                for (PartitionLag p : d.partitions()) {
                    rows.add(new String[] {p.partition().topic(), Integer.toString(p.partition().partition()),
                        orDash(p.committedOffset()), orDash(p.logEndOffset()),
                        p.committedOffset() < 0 || p.logEndOffset() < 0 ? "-" : Long.toString(p.lag()),
                        p.memberId().isEmpty() ? "-" : p.memberId()});
                }
                printTable(out, rows);
                if (!d.members().isEmpty()) {
                    out.println();
                    rows = new ArrayList<>();
                    rows.add(new String[] {"MEMBER-ID", "CLIENT-ID", "EPOCH", "SUBSCRIPTION", "ASSIGNMENT", "REVOKING"});
                    for (GroupMember m : d.members()) {
                        rows.add(new String[] {m.memberId(), m.clientId().isEmpty() ? "-" : m.clientId(),
                            Integer.toString(m.memberEpoch()),
                            m.subscribedTopicRegex().isEmpty() ? String.join(",", m.subscribedTopics()) : "/" + m.subscribedTopicRegex() + "/",
                            joined(m.assignment()), joined(m.revoking())});
                    }
                    printTable(out, rows);
                }
                return 0;
            }
        }
    }

    @Command(name = "reset-offsets",
        description = "Move a group's committed offsets for a topic. Shows the plan only, unless --execute; "
            + "the group must have no running consumers to execute.")
    static final class ResetOffsets implements Callable<Integer> {
        @ParentCommand
        GroupCommands parent;
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;
        @Option(names = "--group", required = true)
        String group;
        @Option(names = "--topic", required = true)
        String topic;
        @ArgGroup(exclusive = true, multiplicity = "1")
        Target target;
        @Option(names = "--execute", description = "commit the new offsets (without it: a dry run)")
        boolean execute;

        static final class Target {
            @Option(names = "--to-earliest", required = true)
            boolean earliest;
            @Option(names = "--to-latest", required = true)
            boolean latest;
            @Option(names = "--to-datetime", required = true,
                description = "ISO-8601 (2024-05-01T12:00:00Z, or local time without an offset) or ms since the epoch")
            String datetime;
            @Option(names = "--to-offset", required = true, description = "clamped into [earliest, latest] per partition")
            Long offset;
        }

        @Override
        public Integer call() {
            requireGroup(spec, group);
            ResetSpec resetSpec = resetSpec();
            try (RunnelAdmin admin = parent.root.admin()) {
                Map<TopicPartition, Long> plan = admin.resetOffsets(group, topic, resetSpec, execute);
                PrintWriter out = spec.commandLine().getOut();
                List<String[]> rows = new ArrayList<>();
                rows.add(new String[] {"GROUP", "TOPIC", "PARTITION", "NEW-OFFSET"});
                plan.forEach((tp, o) -> rows.add(new String[] {group, tp.topic(), Integer.toString(tp.partition()), Long.toString(o)}));
                printTable(out, rows);
                out.println(execute ? "committed " + plan.size() + " offsets for group " + group
                    : "dry run: nothing committed; add --execute to commit these offsets");
                return 0;
            }
        }

        private ResetSpec resetSpec() {
            try {
                if (target.earliest) {
                    return ResetSpec.earliest();
                }
                if (target.latest) {
                    return ResetSpec.latest();
                }
                if (target.offset != null) {
                    return ResetSpec.toOffset(target.offset);
                }
                return ResetSpec.toTimestamp(parseDateTime(target.datetime));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
        }
    }

    @Command(name = "delete", description = "Delete a consumer group and its committed offsets. Refused while the group "
        + "has members: stop its consumers first.")
    static final class Delete implements Callable<Integer> {
        @ParentCommand
        GroupCommands parent;
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;
        @Parameters(index = "0", description = "group id")
        String group;

        @Override
        public Integer call() {
            requireGroup(spec, group);
            try (RunnelAdmin admin = parent.root.admin()) {
                admin.deleteGroup(group);
                spec.commandLine().getOut().println("deleted group " + group);
                return 0;
            }
        }
    }

    /**
     * Milliseconds since the epoch from digits, an ISO-8601 instant or offset date-time, or a local
     * date-time (read in this machine's time zone, as kafka-consumer-groups does).
     *
     * @throws IllegalArgumentException naming a value in none of these forms
     */
    static long parseDateTime(String value) {
        if (value.matches("\\d+")) {
            return Long.parseLong(value);
        }
        try {
            return OffsetDateTime.parse(value).toInstant().toEpochMilli();
        } catch (DateTimeParseException notOffset) {
            try {
                return LocalDateTime.parse(value).atZone(ZoneId.systemDefault()).toInstant().toEpochMilli();
            } catch (DateTimeParseException notLocal) {
                throw new IllegalArgumentException("--to-datetime must be ISO-8601 (e.g. " + Instant.ofEpochMilli(0)
                    + ") or ms since the epoch, got '" + value + "'");
            }
        }
    }

    private static void requireGroup(CommandLine.Model.CommandSpec spec, String group) {
        if (group.isBlank()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "group id must not be empty");
        }
    }

    private static String orDash(long value) {
        return value < 0 ? "-" : Long.toString(value);
    }

    private static String joined(List<TopicPartition> partitions) {
        return partitions.isEmpty() ? "-" : partitions.stream().map(TopicPartition::toString).collect(Collectors.joining(","));
    }

    /** Left-aligned columns two spaces apart, each as wide as its widest cell. */
    static void printTable(PrintWriter out, List<String[]> rows) {
        int[] widths = new int[rows.get(0).length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                line.append(i == row.length - 1 ? row[i] : String.format("%-" + (widths[i] + 2) + "s", row[i]));
            }
            out.println(line);
        }
        out.flush();
    }
}
