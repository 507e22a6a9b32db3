package io.runnel.client.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runnel.broker.node.SharedNode;
import io.runnel.broker.node.TestCluster;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 16 item 8, clients that fail clearly: {@code runnel consume --timeout-ms} that stops
 * without records says what it waited for (each partition and its leader's address), and a
 * bootstrap name that does not resolve ends the command naming it (exit 3), through the real
 * entry point.
 */
@ExtendWith(SharedNode.class)
class CliDeadlineTest {
    private static TestCluster cluster;

    @BeforeAll
    static void topic(TestCluster shared) {
        cluster = shared;
        cluster.createTopic("quiet", 2, 1, Map.of());
        cluster.awaitLeadsAll(1, "quiet", 2);
    }

    private static int cli(StringWriter out, StringWriter err, String... args) {
        return RunnelCli.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    }

    @Test
    void consumeStoppingOnItsTimeout_namesEachPartitionAndItsLeader() {
        StringWriter err = new StringWriter();
        assertTimeoutPreemptively(Duration.ofSeconds(30), () ->
            assertEquals(0, cli(new StringWriter(), err, "--bootstrap", cluster.bootstrap(), "consume", "quiet",
                "--timeout-ms", "500"), err.toString()));
        String leader = "(leader broker 1 at 127.0.0.1:" + cluster.clientPort(1) + ")";
        assertTrue(err.toString().contains("runnel: no records for 500 ms (after 0) from quiet-0 " + leader + ", quiet-1 "
            + leader), err.toString());

        StringWriter one = new StringWriter();
        assertEquals(0, cli(new StringWriter(), one, "--bootstrap", cluster.bootstrap(), "consume", "quiet", "--partition", "1",
            "--timeout-ms", "500"), one.toString());
        assertTrue(one.toString().contains("from quiet-1 " + leader) && !one.toString().contains("quiet-0"), one.toString());
    }

    @Test
    void bootstrapNameThatDoesNotResolve_endsNamingIt() {
        String nowhere = "no-such-runnel-host.invalid:9092";
        StringWriter err = new StringWriter();
        assertTimeoutPreemptively(Duration.ofSeconds(30), () ->
            assertEquals(3, cli(new StringWriter(), err, "--bootstrap", nowhere, "consume", "anything", "--timeout-ms", "500")));
        assertTrue(err.toString().startsWith("runnel: no Runnel broker answered at " + nowhere), err.toString());
    }
}
