package io.runnel.faultsuite;

import java.io.PrintStream;

/**
 * Main of scripts/fault-suite: runs the fault runs one after another, prints a table row per run
 * (stdout) and progress (stderr), and exits 1 if any run found a violation or could not finish.
 * The script makes the network namespaces and runs this inside the client's.
 */
public final class FaultSuite {
    private FaultSuite() {
    }

    public static void main(String[] args) throws InterruptedException {
        SuiteOptions options;
        try {
            options = SuiteOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("fault-suite: " + e.getMessage());
            System.exit(2);
            return;
        }
        PrintStream out = System.out;
        PrintStream log = System.err;
        boolean ok = true;
        out.println(RunResult.HEADER);
        for (int run = 1; run <= options.runs(); run++) {
            RunResult result = new Run(options, run, log).execute();
            out.println(result.row());
            out.flush();
            if (!result.ok()) {
                ok = false;
                if (result.check() != null) {
                    result.check().examples().forEach(e -> log.println("run " + result.run() + ": " + e));
                }
                log.println("run " + result.run() + ": history and node logs in " + options.dir().resolve("run-" + run));
            }
        }
        System.exit(ok ? 0 : 1);
    }
}
