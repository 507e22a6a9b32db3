package io.runnel.client.e2e;

import io.runnel.client.cli.RunnelCli;
import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs the {@code runnel} command line against a test cluster, capturing what it prints. */
final class Cli {
    private Cli() {
    }

    /** {@code runnel --bootstrap <bootstrap> args...}; returns the exit code. */
    static int run(String bootstrap, StringWriter out, StringWriter err, String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "--bootstrap";
        all[1] = bootstrap;
        System.arraycopy(args, 0, all, 2, args.length);
        return RunnelCli.run(all, new PrintWriter(out, true), new PrintWriter(err, true));
    }
}
