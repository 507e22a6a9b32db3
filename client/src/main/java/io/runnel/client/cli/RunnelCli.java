package io.runnel.client.cli;

import io.runnel.client.admin.RunnelAdmin;
import io.runnel.client.common.Bootstrap;
import io.runnel.security.TlsFiles;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code runnel} command line. Exit codes: 0 success, 1 the cluster refused or failed the
 * operation (the message names the error code), 2 a bad command or flag, 3 no broker answered.
 * Every command but {@code perf} ends within {@code --timeout-ms} ({@link CommandDeadline}).
 * The commands live in a class per family ({@link TopicCommands}, {@link ConsumeCommand}, ...).
 */
@Command(name = "runnel", mixinStandardHelpOptions = true, version = "runnel 0.1.0",
    description = "Runnel command line: cluster, topics, produce, consume, offsets, consumer groups.",
    subcommands = {ClusterCommands.class, TopicCommands.class, ProduceCommand.class, ConsumeCommand.class,
        OffsetsCommand.class, GroupCommands.class, LeaderCommands.class, PartitionCommands.class, QuorumCommands.class,
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

    @Option(names = "--timeout-ms", scope = CommandLine.ScopeType.INHERIT,
        description = "end the command after this long, naming what it waited for, with exit 1 (3 if no broker answered); "
            + "default " + CommandDeadline.DEFAULT_TIMEOUT_MS + ". produce: each record's delivery deadline. consume: "
            + "stop after this long without records (default: follow until stopped)")
    Long timeoutMs;

    /** The running command's deadline, set before it runs (perf: none, its commands run as long as asked). */
    private CommandDeadline deadline;

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

    /** The running command's deadline. */
    CommandDeadline deadline() {
        return deadline;
    }

    /**
     * An admin client for the running command. Its retries outlast the deadline, so that the
     * deadline ends the command (interrupting them) and names the failure they were retrying.
     */
    RunnelAdmin admin() {
        long retryMs = deadline == null ? RunnelAdmin.DEFAULT_RETRY_TIMEOUT.toMillis()
            : deadline.timeoutMs() + CommandDeadline.UNWIND_MS;
        return new RunnelAdmin(bootstrap, Duration.ofMillis(retryMs), tls());
    }

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs a command line, printing to {@code out} and {@code err}; returns the exit code. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        RunnelCli root = new RunnelCli();
        CommandLine cli = new CommandLine(root);
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionStrategy(root::execute);
        cli.setExecutionExceptionHandler((thrown, commandLine, parseResult) -> {
            // A failed record's future wraps its error: print the error, not the wrapper's class name.
            Exception e = thrown instanceof CompletionException && thrown.getCause() instanceof Exception cause ? cause : thrown;
            err.println("runnel: " + e.getMessage());
            return e instanceof Bootstrap.ClusterUnreachableException ? 3 : 1;
        });
        return cli.execute(args);
    }

    /** Runs the command parsed within its deadline (perf and help without one). */
    private int execute(CommandLine.ParseResult parsed) {
        List<CommandLine> chain = parsed.asCommandLineList();
        CommandLine leaf = chain.get(chain.size() - 1);
        boolean perf = chain.stream().anyMatch(c -> c.getCommand() instanceof Perf);
        boolean help = chain.stream().anyMatch(c -> c.isUsageHelpRequested() || c.isVersionHelpRequested());
        if (perf || help || leaf.getCommand() == this) {
            return new CommandLine.RunLast().execute(parsed);
        }
        boolean consume = leaf.getCommand() instanceof ConsumeCommand;
        long ms = timeoutMs == null || consume && timeoutMs == -1 ? CommandDeadline.DEFAULT_TIMEOUT_MS : timeoutMs;
        if (ms < 1) {
            throw new CommandLine.ParameterException(leaf, "--timeout-ms must be at least 1" + (consume ? " (or -1)" : "")
                + ", got " + ms);
        }
        deadline = new CommandDeadline(ms, "an answer to 'runnel " + String.join(" ", chain.stream().skip(1)
            .map(CommandLine::getCommandName).toList()) + "' from " + bootstrap);
        try {
            return deadline.run(() -> new CommandLine.RunLast().execute(parsed), leaf.getErr());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            leaf.getErr().println("runnel: interrupted");
            return 1;
        }
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
}
