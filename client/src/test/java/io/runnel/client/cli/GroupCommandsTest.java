package io.runnel.client.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The parts of {@code runnel group} that need no cluster: argument parsing and table layout. */
class GroupCommandsTest {
    private static int run(StringWriter err, String... args) {
        return RunnelCli.run(args, new PrintWriter(new StringWriter(), true), new PrintWriter(err, true));
    }

    @Test
    void parseDateTime_epochMillis() {
        assertEquals(1_714_564_800_000L, GroupCommands.parseDateTime("1714564800000"));
    }

    @Test
    void parseDateTime_isoWithOffset() {
        assertEquals(1_714_564_800_000L, GroupCommands.parseDateTime("2024-05-01T12:00:00Z"));
        assertEquals(1_714_564_800_000L, GroupCommands.parseDateTime("2024-05-01T14:00:00+02:00"));
    }

    @Test
    void parseDateTime_localTimeUsesThisMachinesZone() {
        long expected = LocalDateTime.of(2024, 5, 1, 12, 0, 0, 500_000_000).atZone(ZoneId.systemDefault()).toInstant().toEpochMilli();
        assertEquals(expected, GroupCommands.parseDateTime("2024-05-01T12:00:00.500"));
    }

    @Test
    void parseDateTime_garbage_namesTheValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GroupCommands.parseDateTime("yesterday"));
        assertTrue(e.getMessage().contains("'yesterday'"), e.getMessage());
    }

    @Test
    void resetOffsets_needsExactlyOneTarget() {
        StringWriter err = new StringWriter();
        assertEquals(2, run(err, "group", "reset-offsets", "--group", "g", "--topic", "t"));
        assertEquals(2, run(new StringWriter(), "group", "reset-offsets", "--group", "g", "--topic", "t", "--to-earliest", "--to-latest"));
    }

    @Test
    void resetOffsets_negativeOffset_isABadFlagBeforeAnyBrokerIsAsked() {
        StringWriter err = new StringWriter();
        // Port 1 has no broker: exit 2 (not 3) shows the flag was refused before any connection.
        assertEquals(2, run(err, "--bootstrap", "127.0.0.1:1", "group", "reset-offsets", "--group", "g", "--topic", "t",
            "--to-offset", "-5"));
        assertTrue(err.toString().contains("reset offset must be >= 0, got -5"), err.toString());
    }

    @Test
    void resetOffsets_badDatetime_isABadFlag() {
        StringWriter err = new StringWriter();
        assertEquals(2, run(err, "--bootstrap", "127.0.0.1:1", "group", "reset-offsets", "--group", "g", "--topic", "t",
            "--to-datetime", "soon"));
        assertTrue(err.toString().contains("'soon'"), err.toString());
    }

    @Test
    void describe_emptyGroupId_isABadFlag() {
        StringWriter err = new StringWriter();
        assertEquals(2, run(err, "--bootstrap", "127.0.0.1:1", "group", "describe", ""));
        assertTrue(err.toString().contains("group id must not be empty"), err.toString());
    }

    @Test
    void printTable_alignsColumnsToTheWidestCell() {
        StringWriter out = new StringWriter();
        GroupCommands.printTable(new PrintWriter(out), List.of(new String[] {"TOPIC", "LAG"}, new String[] {"a-long-topic", "7"}));
        assertEquals(List.of("TOPIC         LAG", "a-long-topic  7"), out.toString().lines().toList());
    }
}
