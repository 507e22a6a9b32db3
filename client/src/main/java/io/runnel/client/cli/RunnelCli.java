package io.runnel.client.cli;

import io.runnel.client.admin.RunnelAdmin;
import io.runnel.client.common.Bootstrap;
import io.runnel.client.common.TopicPartition;
import io.runnel.client.consumer.ConsumerRecord;
import io.runnel.client.consumer.GroupConfig;
import io.runnel.client.consumer.RebalanceListener;
import io.runnel.client.consumer.RunnelConsumer;
import io.runnel.client.producer.ProducerConfig;
import io.runnel.client.producer.ProducerRecord;
import io.runnel.client.producer.RecordMetadata;
import io.runnel.client.producer.RunnelProducer;
import io.runnel.proto.v1.BrokerRegistration;
import io.runnel.proto.v1.DescribeClusterResponse;
import io.runnel.proto.v1.PartitionMetadata;
import io.runnel.proto.v1.TopicMetadata;
import io.runnel.record.CompressionType;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import io.runnel.security.TlsFiles;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * The {@code runnel} command line. Exit codes: 0 success, 1 the cluster refused or failed the
 * operation (the message names the error code), 2 a bad command or flag, 3 no broker answered.
 */
@Command(name = "runnel", mixinStandardHelpOptions = true, version = "runnel 0.1.0",
    description = "Runnel command line: cluster, topics, produce, consume, offsets, consumer groups.",
    subcommands = {RunnelCli.Cluster.class, RunnelCli.Topic.class, RunnelCli.Produce.class, RunnelCli.Consume.class,
        RunnelCli.Offsets.class, GroupCommands.class, LeaderCommands.class, PartitionCommands.class, QuorumCommands.class,
        AclCommand.class, Perf.class})
public final class RunnelCli {
    /**
     * The three client ports of {@code scripts/cluster start} and the compose file: with one node
     * down the CLI asks the next (a single address stopped it).
     */
    public static final String DEFAULT_BOOTSTRAP = "127.0.0.1:9092,127.0.0.1:9093,127.0.0.1:9094";

    @Option(names = "--bootstrap", defaultValue = "${env:RUNNEL_BOOTSTRAP:-" + DEFAULT_BOOTSTRAP + "}",
        description = "host:port[,host:port...], tried in order until one answers (default: $RUNNEL_BOOTSTRAP, else "
            + DEFAULT_BOOTSTRAP + ")",
        scope = CommandLine.ScopeType.INHERIT)
    String bootstrap;

    /** This command line, for usage errors printed where the command prints. */
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--tls-ca", description = "connect with TLS, trusting this CA certificate file (PEM)",
        scope = CommandLine.ScopeType.INHERIT)
    Path tlsCa;

    @Option(names = "--tls-cert", description = "client certificate file (PEM), for clusters that require one (with --tls-key)",
        scope = CommandLine.ScopeType.INHERIT)
    Path tlsCert;

    @Option(names = "--tls-key", description = "the client certificate's unencrypted PKCS#8 key file (PEM)",
        scope = CommandLine.ScopeType.INHERIT)
    Path tlsKey;

    /**
     * The TLS files from {@code --tls-*}, or null for plaintext.
     *
     * @throws CommandLine.ParameterException if a certificate or key is given without --tls-ca or without the other
     */
    TlsFiles tls() {
        if (tlsCa == null) {
            if (tlsCert != null || tlsKey != null) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--tls-cert and --tls-key need --tls-ca");
            }
            return null;
        }
        try {
            return new TlsFiles(tlsCa, tlsCert, tlsKey);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs a command line, printing to {@code out} and {@code err}; returns the exit code. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cli = new CommandLine(new RunnelCli());
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler((thrown, commandLine, parseResult) -> {
            // A failed record's future wraps its error: print the error, not the wrapper's class name.
            Exception e = thrown instanceof CompletionException && thrown.getCause() instanceof Exception cause ? cause : thrown;
            if (e instanceof Bootstrap.ClusterUnreachableException) {
                err.println("runnel: " + e.getMessage());
                return 3;
            }
            err.println("runnel: " + e.getMessage());
            return 1;
        });
        return cli.execute(args);
    }

    static Map<String, String> parseConfigs(List<String> configs) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String c : configs) {
            int eq = c.indexOf('=');
            if (eq <= 0) {
                throw new CommandLine.ParameterException(new CommandLine(new RunnelCli()), "--config needs key=value, got '" + c + "'");
            }
            out.put(c.substring(0, eq), c.substring(eq + 1));
        }
        return out;
    }

    @Command(name = "cluster", description = "Cluster commands.", subcommands = {Cluster.Describe.class})
    static final class Cluster {
        @ParentCommand
        RunnelCli root;

        @Command(name = "describe", description = "Active controller, brokers and topic count.")
        static final class Describe implements Callable<Integer> {
            @ParentCommand
            Cluster parent;
            @CommandLine.Spec
            CommandLine.Model.CommandSpec spec;

            @Override
            public Integer call() {
                try (RunnelAdmin admin = new RunnelAdmin(parent.root.bootstrap, parent.root.tls())) {
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

    @Command(name = "topic", description = "Topic commands.",
        subcommands = {Topic.Create.class, Topic.Delete.class, Topic.Describe.class, Topic.ListTopics.class, Topic.Alter.class,
            DeleteRecordsCommand.class})
    static final class Topic {
        @ParentCommand
        RunnelCli root;

        @Command(name = "create", description = "Create a topic.")
        static final class Create implements Callable<Integer> {
            @ParentCommand
            Topic parent;
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
                try (RunnelAdmin admin = new RunnelAdmin(parent.root.bootstrap, parent.root.tls())) {
                    admin.createTopic(name, partitions, replicationFactor == null ? RunnelAdmin.CLUSTER_DEFAULT_REPLICATION
                        : replicationFactor, parseConfigs(configs));
                    spec.commandLine().getOut().println("created topic " + name);
                    return 0;
                }
            }
        }

        @Command(name = "delete", description = "Delete a topic and its data.")
        static final class Delete implements Callable<Integer> {
            @ParentCommand
            Topic parent;
            @CommandLine.Spec
            CommandLine.Model.CommandSpec spec;
            @Parameters(index = "0")
            String name;

            @Override
            public Integer call() {
                try (RunnelAdmin admin = new RunnelAdmin(parent.root.bootstrap, parent.root.tls())) {
                    admin.deleteTopic(name);
                    spec.commandLine().getOut().println("deleted topic " + name);
                    return 0;
                }
            }
        }

        @Command(name = "describe", description = "Partitions with leaders, replicas and ISR.")
        static final class Describe implements Callable<Integer> {
            @ParentCommand
            Topic parent;
            @CommandLine.Spec
            CommandLine.Model.CommandSpec spec;
            @Parameters(index = "0")
            String name;

            @Override
            public Integer call() {
                try (RunnelAdmin admin = new RunnelAdmin(parent.root.bootstrap, parent.root.tls())) {
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
            Topic parent;
            @CommandLine.Spec
            CommandLine.Model.CommandSpec spec;

            @Override
            public Integer call() {
                try (RunnelAdmin admin = new RunnelAdmin(parent.root.bootstrap, parent.root.tls())) {
                    admin.listTopics().forEach(spec.commandLine().getOut()::println);
                    return 0;
                }
            }
        }

        @Command(name = "alter", description = "Change configs (--config k=v) or raise the partition count (--partitions N).")
        static final class Alter implements Callable<Integer> {
            @ParentCommand
            Topic parent;
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
                try (RunnelAdmin admin = new RunnelAdmin(parent.root.bootstrap, parent.root.tls())) {
                    if (!configs.isEmpty()) {
                        admin.alterConfigs(name, parseConfigs(configs));
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

    @Command(name = "produce", description = "Send stdin lines as records (key<sep>value with --key-separator).")
    static final class Produce implements Callable<Integer> {
        @ParentCommand
        RunnelCli root;
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;
        @Parameters(index = "0")
        String topic;
        @Option(names = "--key-separator")
        String keySeparator;
        @Option(names = "--acks", defaultValue = "all", description = "all, 1 or 0")
        String acks;
        @Option(names = "--compression", defaultValue = "none", description = "none, gzip, snappy, lz4, zstd")
        String compression;
        @Option(names = "--partition")
        Integer partition;
        @Option(names = "--timeout-ms", defaultValue = "30000",
            description = "give up on a record not acknowledged this long, naming what it waited for (delivery.timeout.ms; "
                + "default: ${DEFAULT-VALUE})")
        long timeoutMs;

        @Override
        public Integer call() throws Exception {
            int ackValue = Perf.acks(acks, spec.commandLine());
            if (timeoutMs < 1) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--timeout-ms must be at least 1, got " + timeoutMs);
            }
            CompressionType codec;
            try {
                codec = CompressionType.forName(compression);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
            List<CompletableFuture<RecordMetadata>> sent = new ArrayList<>();
            try (RunnelProducer producer = new RunnelProducer(ProducerConfig.defaults(root.bootstrap).withAcks(ackValue)
                    .withCompression(codec).withDeliveryTimeoutMs(timeoutMs), root.tls());
                 BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    byte[] key = null;
                    String value = line;
                    if (keySeparator != null && line.contains(keySeparator)) {
                        int at = line.indexOf(keySeparator);
                        key = line.substring(0, at).getBytes(StandardCharsets.UTF_8);
                        value = line.substring(at + keySeparator.length());
                    }
                    sent.add(producer.send(new ProducerRecord(topic, partition, null, key, value.getBytes(StandardCharsets.UTF_8), null)));
                }
                producer.flush();
            }
            for (CompletableFuture<RecordMetadata> f : sent) {
                f.join(); // a failed record fails the command with its error
            }
            spec.commandLine().getErr().println("produced " + sent.size() + " records to " + topic);
            return 0;
        }
    }

    @Command(name = "consume", description = "Print records (values, or key/value/offset with flags).")
    static final class Consume implements Callable<Integer> {
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
        @Option(names = "--timeout-ms", defaultValue = "-1", description = "stop after this long without records (-1: never), "
            + "naming each partition waited for and its leader's address (or that it has none)")
        long timeoutMs;
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
            try (RunnelAdmin admin = new RunnelAdmin(root.bootstrap, root.tls());
                 RunnelConsumer consumer = new RunnelConsumer(root.bootstrap, root.tls(),
                     fromBeginning ? RunnelConsumer.OffsetReset.EARLIEST : RunnelConsumer.OffsetReset.LATEST, 4 << 20,
                     group == null ? null : GroupConfig.of(group).withClientId("runnel-cli"))) {
                // Also refuses an unknown topic before a group is joined for it.
                int partitions = admin.describeTopic(topic).getPartitionsCount();
                if (group != null) {
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
                    List<ConsumerRecord> records = consumer.poll(Duration.ofMillis(500));
                    if (records.isEmpty()) {
                        if (timeoutMs >= 0 && System.currentTimeMillis() - idleSince >= timeoutMs) {
                            spec.commandLine().getErr().println("runnel: " + ConsumeWaitedFor.message(root.bootstrap, root.tls(),
                                topic, partition, timeoutMs, count));
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

    @Command(name = "offsets", description = "Per partition: earliest, latest, or first offset at/after --time ms.")
    static final class Offsets implements Callable<Integer> {
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
            try (RunnelAdmin admin = new RunnelAdmin(root.bootstrap, root.tls())) {
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
}
