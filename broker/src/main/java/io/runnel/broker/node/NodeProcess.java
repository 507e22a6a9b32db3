package io.runnel.broker.node;

import io.runnel.broker.config.NodeConfig;
import io.runnel.metadata.quorum.QuorumServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * A node as an operating-system process: {@code RunnelNode [--defaults FILE] [--config FILE]}.
 * {@code --defaults} is the packaging's file (the container image passes
 * {@code /opt/runnel/defaults.properties}), {@code --config} the operator's; the operator's file
 * and then {@code RUNNEL_*} variables override it (NodeConfig).
 *
 * <p>Exit status: 0 after SIGTERM or SIGINT once the controlled shutdown ran and every file is
 * closed (so {@code docker stop} and a Kubernetes pod deletion end in "exited (0)", not 143), 2
 * for a configuration the node refuses or a start that fails (the message names the setting).
 */
final class NodeProcess {
    /**
     * Ratis's shaded gRPC logs an INFO line through java.util.logging on every start ("Epoll
     * available during static init of TcpMetrics"); held here because java.util.logging holds
     * loggers weakly and would forget the level.
     */
    private static final Logger RATIS_GRPC_NETTY = Logger.getLogger("org.apache.ratis.thirdparty.io.grpc.netty");

    private NodeProcess() {
    }

    static void run(String[] args) {
        RATIS_GRPC_NETTY.setLevel(Level.WARNING);
        QuorumServer.withoutJmxMetrics();
        Properties packaging = new Properties();
        Properties file = new Properties();
        for (int i = 0; i < args.length; i++) {
            if ((args[i].equals("--config") || args[i].equals("--defaults")) && i + 1 < args.length) {
                Properties into = args[i].equals("--config") ? file : packaging;
                Path path = Path.of(args[++i]);
                try (InputStream in = Files.newInputStream(path)) {
                    into.load(in);
                } catch (IOException e) {
                    fail("cannot read " + args[i - 1].substring(2) + " file " + path + ": " + e.getMessage());
                }
            } else {
                fail("unknown argument '" + args[i] + "'; usage: RunnelNode [--defaults FILE] [--config FILE]");
            }
        }
        NodeConfig config = null;
        try {
            config = NodeConfig.load(packaging, file, System.getenv(), hostname());
        } catch (IllegalArgumentException e) {
            fail(e.getMessage());
        }
        // The first line of a node's log: how long the JVM took to get here (scripts/cluster's start time).
        LoggerFactory.getLogger(NodeProcess.class).info("Node {}: starting, {} ms after the JVM started", config.nodeId(),
            ManagementFactory.getRuntimeMXBean().getUptime());
        RunnelNode node = new RunnelNode(config);
        try {
            node.start();
        } catch (IOException | UncheckedIOException e) {
            node.close();
            fail(e.getMessage());
        }
        // A stop signal is a request to stop, not a failure: stop in order, then exit 0. Any other
        // exit (System.exit elsewhere, a signal not handled here) still closes the node on the hook.
        Signal.handle(new Signal("TERM"), signal -> stop(node, "SIGTERM"));
        Signal.handle(new Signal("INT"), signal -> stop(node, "SIGINT"));
        Runtime.getRuntime().addShutdownHook(new Thread(node::close, "shutdown"));
        try {
            new CountDownLatch(1).await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void stop(RunnelNode node, String signal) {
        int id = node.config().nodeId();
        System.err.println("runnel: " + signal + ": stopping node " + id + " (controlled shutdown)");
        node.close();
        System.err.println("runnel: node " + id + " stopped");
        System.exit(0);
    }

    private static String hostname() {
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }

    private static void fail(String message) {
        System.err.println("runnel: " + message);
        System.exit(2);
    }
}
