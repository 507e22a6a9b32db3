package io.runnel.faultsuite.hosts;

/**
 * A test host: a network namespace with one address on the suite's bridge. Nodes run in node
 * hosts; the workload (and this suite's own process) in the client host.
 *
 * @param netns name of the network namespace ({@code ip netns})
 * @param ip    its address on the bridge, in 10.200.0.0/24
 */
public record Host(String netns, String ip) {
    public Host {
        if (!netns.matches("[A-Za-z0-9_.-]+")) {
            throw new IllegalArgumentException("bad network namespace name '" + netns + "'");
        }
        if (!ip.matches("10\\.200\\.0\\.\\d{1,3}")) {
            throw new IllegalArgumentException("host address must be in 10.200.0.0/24 (the blackholed test range), got " + ip);
        }
    }

    /** {@code netns@ip}, as the suite takes hosts on its command line. */
    public static Host parse(String text) {
        int at = text.indexOf('@');
        if (at < 1) {
            throw new IllegalArgumentException("host must be netns@ip, got '" + text + "'");
        }
        return new Host(text.substring(0, at), text.substring(at + 1));
    }
}
