package io.runnel.faultsuite.nemesis;

/** What the nemesis can do; each fault lasts until the run heals everything at once. */
public enum FaultKind {
    /** SIGKILL the leader of a random partition of the workload topic; restarted at heal. */
    KILL_LEADER("kill-leader"),
    /** SIGKILL a random node (every node is a controller, active or not); restarted at heal. */
    KILL_CONTROLLER("kill-controller"),
    /** SIGKILL the active controller; restarted at heal. */
    KILL_ACTIVE_CONTROLLER("kill-active-controller"),
    /**
     * SIGKILL the leader of a random partition, delete its data directory (partitions and Raft
     * log) and start it again at once under the same node id: a disk replaced by an empty one.
     */
    RESTART_EMPTY_LEADER("restart-empty-leader"),
    /** SIGSTOP the leader of a random partition for longer than the broker session; SIGCONT at heal. */
    PAUSE_LEADER("pause-leader"),
    /** SIGSTOP a random node for longer than the broker session; SIGCONT at heal. */
    PAUSE_NODE("pause-node"),
    /**
     * The filesystem of a partition leader's data directory filled up; at heal the space is freed
     * and the node restarted (its log directory went offline at the first failed write and stays
     * so until a restart, as in Kafka).
     */
    DISK_FULL_LEADER("disk-full-leader"),
    /** A partition leader's host cut from every other host, clients included. */
    ISOLATE_LEADER("isolate-leader"),
    /** The active controller's host cut from every other host, clients included. */
    ISOLATE_ACTIVE_CONTROLLER("isolate-active-controller"),
    /** A random minority of nodes cut from the majority; clients still reach every node. */
    SPLIT_MINORITY("split-minority"),
    /** A random node hears nothing from the other nodes, but its packets still reach them. */
    ONE_WAY("one-way"),
    /** Every node drops a share of the packets from every other host. */
    PACKET_LOSS("packet-loss"),
    /**
     * Every link slowed: each node's inbound connections from the other nodes and the client go
     * through a latency proxy on its host (netem is not in this kernel) that delays the bytes in
     * each direction by 50-300 ms plus a jitter of up to half that; established connections are
     * reset once so they reconnect through it. The proxies stop at heal.
     */
    LATENCY("latency"),
    /**
     * A random voter removed from the controller quorum (RemoveVoter; the active controller one
     * time in two, so leadership moves first); it keeps running as a broker and is added back as a
     * voter (AddVoter) at heal. A removal the cluster refuses (too few live voters would remain,
     * with an overlapping fault) is reported as refused.
     */
    REMOVE_VOTER("remove-voter");

    private final String label;

    FaultKind(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /** @throws IllegalArgumentException naming the known labels */
    public static FaultKind ofLabel(String label) {
        for (FaultKind k : values()) {
            if (k.label.equals(label)) {
                return k;
            }
        }
        StringBuilder known = new StringBuilder();
        for (FaultKind k : values()) {
            known.append(known.isEmpty() ? "" : ", ").append(k.label);
        }
        throw new IllegalArgumentException("unknown fault '" + label + "'; known: " + known);
    }
}
