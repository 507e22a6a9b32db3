package io.runnel.faultsuite.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runnel.faultsuite.history.Event;
import io.runnel.faultsuite.history.Event.Acked;
import io.runnel.faultsuite.history.Event.Assigned;
import io.runnel.faultsuite.history.Event.FinalRead;
import io.runnel.faultsuite.history.Event.Polled;
import io.runnel.faultsuite.history.Event.Revoked;
import io.runnel.faultsuite.history.Event.Sent;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The checker on hand-made histories: a clean one passes, each kind of violation is counted. */
class CheckerTest {
    /** Producer 0 sends seq 0..3 to partition 0 (offsets 0..3), all acked, read twice and polled by consumer 0. */
    private static List<Event> clean() {
        List<Event> h = new ArrayList<>();
        h.add(new Assigned(0, 0, List.of(0)));
        for (int seq = 0; seq < 4; seq++) {
            h.add(new Sent(seq * 100L, 0, seq, 0));
            h.add(new Acked(seq * 100L + 10, 0, seq, 0, seq));
        }
        for (int reader = 0; reader < 2; reader++) {
            for (int seq = 0; seq < 4; seq++) {
                h.add(new FinalRead(1000, reader, 0, seq, "p0-" + seq));
            }
        }
        for (int seq = 0; seq < 4; seq++) {
            h.add(new Polled(500, 0, 0, seq, "p0-" + seq));
        }
        return h;
    }

    private static CheckResult check(List<Event> h) {
        return new Checker(h, 0).check();
    }

    @Test
    void cleanHistoryHasNoViolations() {
        CheckResult r = check(clean());
        assertEquals(4, r.acked());
        assertEquals(0, r.violations(), () -> r.examples().toString());
    }

    @Test
    void ackedRecordMissingFromTheLogIsLost() {
        List<Event> h = clean();
        h.removeIf(e -> e instanceof FinalRead f && f.offset() == 2 || e instanceof Polled p && p.offset() == 2);
        CheckResult r = check(h);
        assertEquals(1, r.lost());
        assertTrue(r.examples().get(0).contains("p0-2"), r.examples().toString());
    }

    @Test
    void secondCopyInTheLogIsADuplicateAndOutOfOrder() {
        List<Event> h = clean();
        h.add(new FinalRead(1000, 0, 0, 4, "p0-1"));
        h.add(new FinalRead(1000, 1, 0, 4, "p0-1"));
        CheckResult r = check(h);
        assertEquals(1, r.duplicates());
        assertEquals(1, r.orderViolations());
    }

    @Test
    void readersThatDisagreeAndAnAckNamingAnotherOffsetAreInconsistent() {
        List<Event> h = clean();
        h.replaceAll(e -> e instanceof FinalRead f && f.reader() == 1 && f.offset() == 3 ? new FinalRead(1000, 1, 0, 3, "p0-9") : e);
        h.replaceAll(e -> e instanceof Acked a && a.seq() == 0 ? new Acked(a.at(), 0, 0, 0, 1) : e);
        assertEquals(2, check(h).inconsistent());
    }

    @Test
    void consumerThatPassesOverARecordSkipsItAndOneGoingBackIsCounted() {
        List<Event> h = clean();
        h.removeIf(e -> e instanceof Polled p && p.offset() == 1);
        h.add(new Polled(600, 0, 0, 2, "p0-2"));
        CheckResult r = check(h);
        assertEquals(1, r.skipped());
        assertEquals(1, r.backwards());
        assertEquals(1, r.unreceived(), "p0-1 was polled by nobody");
    }

    @Test
    void aNewAssignmentMayStartAnywhere() {
        List<Event> h = clean();
        h.add(new Revoked(700, 0, List.of(0), true));
        h.add(new Assigned(710, 0, List.of(0)));
        h.add(new Polled(720, 0, 0, 1, "p0-1"));
        assertEquals(0, check(h).violations());
    }

    @Test
    void longestStallIsTheLongestGapWithoutAckAndRecoveryNeedsAnAckAfterTheHeal() {
        List<Event> h = new ArrayList<>();
        h.add(new Sent(0, 0, 0, 0));
        h.add(new Acked(10, 0, 0, 0, 0));
        h.add(new Sent(100, 0, 1, 0));
        h.add(new Sent(150, 1, 0, 1));
        h.add(new Sent(200, 0, 2, 0));
        h.add(new Acked(1000, 1, 0, 1, 0)); // partition 1 acknowledges while partition 0 stalls
        h.add(new Sent(1500, 1, 1, 1));
        h.add(new Acked(2000, 1, 1, 1, 1));
        h.add(new Acked(3010, 0, 1, 0, 1));
        h.add(new Acked(3020, 0, 2, 0, 2));
        h.add(new Sent(3100, 0, 3, 0));
        assertEquals(3000, Stalls.longestStallMs(h), "partition 0 stalled 10..3010 although partition 1 was acknowledging");
        assertEquals(-1, Stalls.recoveryMs(h, 3050), "seq 3 was sent after the heal and never acked");
        h.add(new Acked(3500, 0, 3, 0, 3));
        assertEquals(450, Stalls.recoveryMs(h, 3050));
    }
}
