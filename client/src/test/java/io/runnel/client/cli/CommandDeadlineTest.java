package io.runnel.client.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.runnel.client.common.Bootstrap;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** {@link CommandDeadline} alone: what a command that ends, fails, outlives its deadline or stops watching gets. */
class CommandDeadlineTest {
    private final StringWriter err = new StringWriter();
    private final PrintWriter errWriter = new PrintWriter(err, true);

    @Test
    void commandEndingInTime_returnsItsCode_andPrintsNothing() throws Exception {
        assertEquals(4, new CommandDeadline(30_000, "x").run(() -> 4, errWriter));
        assertEquals("", err.toString());
    }

    @Test
    void commandFailingInTime_throwsItsFailure() {
        IllegalStateException failure = new IllegalStateException("refused");
        CommandDeadline deadline = new CommandDeadline(30_000, "x");
        assertSame(failure, assertThrows(IllegalStateException.class, () -> deadline.run(() -> {
            throw failure;
        }, errWriter)));
    }

    /** Interrupted at the deadline, the command reports what it was retrying; the message names the phase too. */
    @Test
    void commandOutlivingItsDeadline_isInterrupted_andTheMessageNamesThePhaseAndTheLastFailure() throws Exception {
        CommandDeadline deadline = new CommandDeadline(50, "an answer to 'runnel topic list' from h:1");
        int code = deadline.run(() -> {
            deadline.waitingFor("a coordinator for group g");
            try {
                new CountDownLatch(1).await(); // never counted down: only the interrupt ends it
            } catch (InterruptedException e) {
                throw new Bootstrap.ClusterUnreachableException("h:1", null);
            }
            return 0;
        }, errWriter);
        assertEquals(3, code, "no broker answered: exit 3");
        assertEquals("runnel: gave up after 50 ms (--timeout-ms) waiting for a coordinator for group g; last: "
            + "no Runnel broker answered at h:1", err.toString().trim());
    }

    @Test
    void interruptionItself_isNotNamedAsTheLastFailure() throws Exception {
        int code = new CommandDeadline(50, "topic t's metadata").run(() -> {
            try {
                new CountDownLatch(1).await();
            } catch (InterruptedException e) {
                throw new IllegalStateException("cancelled", e);
            }
            return 0;
        }, errWriter);
        assertEquals(1, code);
        assertEquals("runnel: gave up after 50 ms (--timeout-ms) waiting for topic t's metadata", err.toString().trim());
    }

    /** consume following a topic, produce reading stdin: set up, they end by their own bounds. */
    @Test
    void commandThatStoppedWatching_runsPastTheDeadline() throws Exception {
        CommandDeadline deadline = new CommandDeadline(20, "x");
        assertEquals(7, deadline.run(() -> {
            deadline.stopWatching();
            try {
                Thread.sleep(200); // the command's own long job, ten deadlines long
            } catch (InterruptedException e) {
                return -1;
            }
            return 7;
        }, errWriter));
        assertEquals("", err.toString());
    }

    @Test
    void timeoutBelowOne_isRefusedNamingTheOption() {
        assertEquals("--timeout-ms must be at least 1, got 0",
            assertThrows(IllegalArgumentException.class, () -> new CommandDeadline(0, "x")).getMessage());
    }
}
