package io.runnel.faultsuite;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.logging.ConsoleHandler;
import java.util.logging.FileHandler;
import java.util.logging.Handler;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

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
        logClientWarningsTo(options.dir().resolve("client.log"));
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

    /**
     * The Java client logs retries and rebalances through java.util.logging: many lines while
     * faults last. They go to a file beside the runs, not between the table's rows.
     */
    private static void logClientWarningsTo(Path file) {
        Logger root = Logger.getLogger("");
        for (Handler h : root.getHandlers()) {
            root.removeHandler(h);
        }
        try {
            Files.createDirectories(file.getParent());
            FileHandler handler = new FileHandler(file.toString(), true);
            handler.setFormatter(new SimpleFormatter());
            root.addHandler(handler);
        } catch (IOException e) {
            System.err.println("fault-suite: client log stays on stderr: cannot write " + file + ": " + e.getMessage());
            root.addHandler(new ConsoleHandler());
        }
    }
}
