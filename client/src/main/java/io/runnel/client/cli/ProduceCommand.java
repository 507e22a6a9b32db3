package io.runnel.client.cli;

import io.runnel.client.producer.ProducerConfig;
import io.runnel.client.producer.ProducerRecord;
import io.runnel.client.producer.RecordMetadata;
import io.runnel.client.producer.RunnelProducer;
import io.runnel.record.CompressionType;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code runnel produce}: stdin lines as records. Its {@code --timeout-ms} is each record's
 * delivery deadline ({@code delivery.timeout.ms}): a record not acknowledged by then fails the
 * command naming what it waited for (a leader, the ISR, an address); reading stdin is not bounded.
 */
@Command(name = "produce", description = "Send stdin lines as records (key<sep>value with --key-separator); each record "
    + "not acknowledged within --timeout-ms fails the command, naming what it waited for.")
final class ProduceCommand implements Callable<Integer> {
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

    @Override
    public Integer call() throws Exception {
        int ackValue = Perf.acks(acks, spec.commandLine());
        CompressionType codec;
        try {
            codec = CompressionType.forName(compression);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        List<CompletableFuture<RecordMetadata>> sent = new ArrayList<>();
        root.deadline().waitingFor("a producer to connect to " + root.bootstrap);
        try (RunnelProducer producer = new RunnelProducer(ProducerConfig.defaults(root.bootstrap).withAcks(ackValue)
                .withCompression(codec).withDeliveryTimeoutMs(root.deadline().timeoutMs()), root.tls());
             BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            // From here each record has its own deadline (the delivery timeout), and stdin may be a person typing.
            root.deadline().stopWatching();
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
