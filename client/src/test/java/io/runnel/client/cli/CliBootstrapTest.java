package io.runnel.client.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runnel.broker.node.TestCluster;
import io.runnel.client.admin.RunnelAdmin;
import io.runnel.client.common.Bootstrap.ClusterUnreachableException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Issue 16 item 8: one node down does not stop the CLI. Its default bootstrap lists the three
 * local client ports, and a bootstrap list whose first address is dead still reaches the cluster
 * through the next; with every address dead the call ends, naming them all.
 */
class CliBootstrapTest {
    @TempDir
    Path tmp;

    private static int cli(StringWriter out, StringWriter err, String... args) {
        return RunnelCli.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    }

    private static int deadPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void defaultBootstrap_isTheListOfTheLocalClusterPorts() {
        RunnelCli root = new RunnelCli();
        new CommandLine(root).parseArgs("topic", "list");
        assertEquals("127.0.0.1:9092,127.0.0.1:9093,127.0.0.1:9094", root.bootstrap);
    }

    @Test
    void firstBootstrapAddressDead_theCliUsesTheNext() throws Exception {
        try (TestCluster cluster = TestCluster.start(tmp, 3, Map.of())) {
            String bootstrap = cluster.bootstrap();
            assertTrue(bootstrap.startsWith("127.0.0.1:" + cluster.clientPort(1) + ","), bootstrap);
            cluster.halt(1);
            cluster.awaitLiveBrokers(2);
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
                assertEquals(0, cli(out, err, "--bootstrap", bootstrap, "topic", "create", "with-one-down"), err.toString());
                // The answering broker lists the topic once it has applied the create's record.
                Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> {
                    StringWriter listed = new StringWriter();
                    return cli(listed, err, "--bootstrap", bootstrap, "topic", "list") == 0
                        && listed.toString().contains("with-one-down");
                });
            });
        }
    }

    @Test
    void everyBootstrapAddressDead_endsWithinTheRetryTimeout_namingThemAll() throws Exception {
        String dead = "127.0.0.1:" + deadPort() + ",127.0.0.1:" + deadPort();
        assertTimeoutPreemptively(Duration.ofSeconds(15), () -> {
            try (RunnelAdmin admin = new RunnelAdmin(dead, Duration.ofSeconds(2))) {
                ClusterUnreachableException e = assertThrows(ClusterUnreachableException.class, admin::listTopics);
                assertTrue(e.getMessage().startsWith("no Runnel broker answered at " + dead), e.getMessage());
            }
            StringWriter err = new StringWriter();
            assertEquals(3, cli(new StringWriter(), err, "--bootstrap", dead, "topic", "list"), "exit 3: no broker answered");
            assertTrue(err.toString().startsWith("runnel: no Runnel broker answered at " + dead), err.toString());
        });
    }
}
