package io.runnel.faultsuite;

import io.runnel.faultsuite.check.CheckResult;

/**
 * One run: its seed, the faults it injected, what the checker found, or why it could not finish.
 *
 * @param check null if the run failed before it could be checked
 * @param error why the run failed (the cluster never became ready, the final read did not finish), or null
 */
public record RunResult(int run, long seed, String faults, CheckResult check, String error) {
    public static final String HEADER = "| run | seed | faults | acked | lost | dup | order | inconsistent | skipped | backwards "
        + "| unreceived | longest stall ms | recovery ms | result |\n"
        + "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|";

    public boolean ok() {
        return error == null && check.violations() == 0;
    }

    /** A row of the table under {@link #HEADER}. */
    public String row() {
        if (check == null) {
            return "| " + run + " | " + seed + " | " + faults + " | | | | | | | | | | | ERROR: " + error + " |";
        }
        CheckResult c = check;
        return "| " + run + " | " + seed + " | " + faults + " | " + c.acked() + " | " + c.lost() + " | " + c.duplicates() + " | "
            + c.orderViolations() + " | " + c.inconsistent() + " | " + c.skipped() + " | " + c.backwards() + " | " + c.unreceived()
            + " | " + c.longestStallMs() + " | " + (c.recoveryMs() < 0 ? "never" : Long.toString(c.recoveryMs())) + " | "
            + (error != null ? "ERROR: " + error : c.violations() == 0 ? "ok" : "VIOLATION") + " |";
    }
}
