package io.runnel.client.cli;

import io.runnel.client.admin.RunnelAdmin;
import io.runnel.client.common.TopicPartition;
import io.runnel.client.consumer.ConsumerRecord;
import io.runnel.client.consumer.GroupConfig;
import io.runnel.client.consumer.RebalanceListener;
import io.runnel.client.consumer.RunnelConsumer;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code runnel consume}: prints records. Its setup (the topic's metadata, the group's join)
 * ends within the command's deadline; then it follows the topic until {@code --max-messages},
 * or stops after {@code --timeout-ms} without records, naming each partition it waited for
 * ({@link ConsumeWaitedFor}).
 */
@Command(name = "consume", description = "Print records (values, or key/value/offset with flags). Finding the topic and "
    + "joining the group end within --timeout-ms (default 30 s); then it follows the topic until --max-messages, or "
    + "until --timeout-ms without records if given, naming what it waited for.")
final class ConsumeCommand implements Callable<Integer> {
    @ParentCommand
    RunnelCli root;
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;
    @Parameters(index = "0")
    String topic;
    @Option(names = "--from-beginning")
    boolean fromBeginning;
    @Option(names = "--partition")
    Integer partition;
    @Option(names = "--offset", description = "start here (needs --partition)")
    Long offset;
    @Option(names = "--max-messages", description = "stop after this many records")
    Long maxMessages;
    @Option(names = "--print-key")
    boolean printKey;
    @Option(names = "--print-offset")
    boolean printOffset;
    @Option(names = "--group", description = "consume as a member of this group, from its committed offsets "
        + "(--from-beginning: where it has none), committing automatically")
    String group;

    @Override
    public Integer call() {
        if (offset != null && partition == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--offset needs --partition");
        }
        if (group != null && (partition != null || offset != null || group.isBlank())) {
            throw new CommandLine.ParameterException(spec.commandLine(), group.isBlank() ? "--group must not be empty"
                : "--group takes the partitions the group assigns; it cannot be combined with --partition or --offset");
        }
        // Without --timeout-ms (or with -1) it follows the topic until stopped.
        long idleMs = root.timeoutMs == null ? -1 : root.timeoutMs;
        root.deadline().waitingFor("topic " + topic + "'s metadata from " + root.bootstrap);
        try (RunnelAdmin admin = root.admin();
             RunnelConsumer consumer = new RunnelConsumer(root.bootstrap, root.tls(),
                 fromBeginning ? RunnelConsumer.OffsetReset.EARLIEST : RunnelConsumer.OffsetReset.LATEST, 4 << 20,
                 group == null ? null : GroupConfig.of(group).withClientId("runnel-cli"))) {
            // Also refuses an unknown topic before a group is joined for it.
            int partitions = admin.describeTopic(topic).getPartitionsCount();
            if (group != null) {
                root.deadline().waitingFor("group " + group + " to assign partitions of " + topic + " (its coordinator, "
                    + "through " + root.bootstrap + ")");
                consumer.subscribe(List.of(topic), RebalanceListener.NONE);
            } else {
                List<TopicPartition> tps = new ArrayList<>();
                for (int p = 0; p < partitions; p++) {
                    if (partition == null || partition == p) {
                        tps.add(new TopicPartition(topic, p));
                    }
                }
                if (tps.isEmpty()) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "topic " + topic + " has no partition " + partition);
                }
                consumer.assign(tps);
                if (offset != null) {
                    consumer.seek(tps.get(0), offset);
                }
            }
            PrintWriter out = spec.commandLine().getOut();
            long count = 0;
            long idleSince = System.currentTimeMillis();
            while (maxMessages == null || count < maxMessages) {
                if (!consumer.assignment().isEmpty()) {
                    // Set up (a group member once the group assigned it partitions): from here it waits
                    // for records as long as it was told to (idleMs).
                    root.deadline().stopWatching();
                }
                List<ConsumerRecord> records = consumer.poll(Duration.ofMillis(500));
                if (records.isEmpty()) {
                    if (idleMs >= 0 && System.currentTimeMillis() - idleSince >= idleMs) {
                        spec.commandLine().getErr().println("runnel: " + ConsumeWaitedFor.message(root.bootstrap, root.tls(),
                            topic, partition, idleMs, count));
                        break;
                    }
                    continue;
                }
                idleSince = System.currentTimeMillis();
                for (int i = 0; i < records.size(); i++) {
                    ConsumerRecord r = records.get(i);
                    StringBuilder line = new StringBuilder();
                    if (printOffset) {
                        line.append(r.partition()).append(':').append(r.offset()).append('\t');
                    }
                    if (printKey) {
                        line.append(r.key() == null ? "null" : new String(r.key(), StandardCharsets.UTF_8)).append('\t');
                    }
                    line.append(r.value() == null ? "null" : new String(r.value(), StandardCharsets.UTF_8));
                    out.println(line);
                    if (maxMessages != null && ++count >= maxMessages) {
                        rewindToUnprinted(consumer, records.subList(i + 1, records.size()));
                        break;
                    }
                }
                out.flush();
            }
            return 0;
        }
    }

    /**
     * Moves each partition back to its first record that was fetched but not printed, so that the
     * commit on close covers only printed records and the group's next reader starts there.
     */
    static void rewindToUnprinted(RunnelConsumer consumer, List<ConsumerRecord> unprinted) {
        Map<TopicPartition, Long> first = new LinkedHashMap<>();
        for (ConsumerRecord r : unprinted) {
            first.merge(new TopicPartition(r.topic(), r.partition()), r.offset(), Math::min);
        }
        first.forEach(consumer::seek);
    }
}
