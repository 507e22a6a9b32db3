package io.runnel.faultsuite.check;

import java.util.List;

/**
 * What the checker found in one run's history.
 *
 * @param acked          records acknowledged to a producer
 * @param lost           acknowledged records the final read did not find
 * @param duplicates     extra copies of a record in the final read (producers are idempotent: any is a bug)
 * @param orderViolations records of one producer in one partition found out of send order
 * @param inconsistent   offsets whose record differs between the ack, the two final reads and the consumers
 * @param skipped        records a consumer's position passed over within one assignment of a partition
 * @param backwards      polls that went back to or before an offset already polled within one assignment
 * @param unreceived     acknowledged records no group member ever polled
 * @param longestStallMs longest time a partition went without a produce acknowledgement while records for it were sent
 * @param recoveryMs     from the heal until every partition acknowledged a record sent after it; -1 if one never did
 * @param examples       the first violations, described, for the report
 */
public record CheckResult(long acked, long lost, long duplicates, long orderViolations, long inconsistent, long skipped,
                          long backwards, long unreceived, long longestStallMs, long recoveryMs, List<String> examples) {
    public CheckResult {
        examples = List.copyOf(examples);
    }

    /** Violations of every kind; a partition that never recovered counts as one. */
    public long violations() {
        return lost + duplicates + orderViolations + inconsistent + skipped + backwards + unreceived + (recoveryMs < 0 ? 1 : 0);
    }
}
