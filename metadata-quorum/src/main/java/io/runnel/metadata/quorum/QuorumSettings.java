package io.runnel.metadata.quorum;

import io.runnel.security.NodePrincipals;
import io.runnel.security.TlsMaterial;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;

/**
 * How to run this node's Raft server.
 *
 * @param nodeId              this voter's id, a key of {@code voters}
 * @param voters              every voter's Raft address (host as other voters reach it)
 * @param bindHost            interface the Raft server binds
 * @param dir                 Raft log, metadata snapshots
 * @param clusterId           the Raft group id: the same on every node of one cluster
 * @param electionTimeoutMinMs lower bound of the randomized election timeout (the upper is twice it); the first
 *                            election after a start uses a quarter of it ({@link #firstElectionTimeoutMinMs})
 * @param snapshotEveryEntries take a snapshot (and purge the log behind it) every this many entries
 * @param joining             a new voter joining a running quorum: it starts knowing no peers and waits
 *                            for the leader to add it ({@link QuorumServer#addVoter}); after its first
 *                            start, membership comes from its log
 * @param tls                 this node's certificate and CA for Raft's own gRPC transport (mutual TLS both
 *                            ways), or null for plaintext Raft
 * @param nodes               with {@code tls}: the only principals Raft accepts at either end of a connection
 */
public record QuorumSettings(int nodeId, Map<Integer, InetSocketAddress> voters, String bindHost, Path dir, UUID clusterId,
                             long electionTimeoutMinMs, long snapshotEveryEntries, boolean joining, TlsMaterial tls,
                             NodePrincipals nodes) {
    /** A fixed default group id, so a cluster configured by voters alone needs no extra setting. */
    public static final UUID DEFAULT_CLUSTER_ID = UUID.fromString("72756e6e-656c-4d65-7461-646174610001");

    public QuorumSettings(int nodeId, Map<Integer, InetSocketAddress> voters, String bindHost, Path dir, UUID clusterId,
                          long electionTimeoutMinMs, long snapshotEveryEntries) {
        this(nodeId, voters, bindHost, dir, clusterId, electionTimeoutMinMs, snapshotEveryEntries, false);
    }

    /** Plaintext Raft. */
    public QuorumSettings(int nodeId, Map<Integer, InetSocketAddress> voters, String bindHost, Path dir, UUID clusterId,
                          long electionTimeoutMinMs, long snapshotEveryEntries, boolean joining) {
        this(nodeId, voters, bindHost, dir, clusterId, electionTimeoutMinMs, snapshotEveryEntries, joining, null, null);
    }

    /** Lower bound of the first election's timeout after a start: a quarter of the usual one (its upper is twice it). */
    public long firstElectionTimeoutMinMs() {
        return Math.max(10, electionTimeoutMinMs / 4);
    }

    public QuorumSettings {
        voters = Map.copyOf(voters);
        if (!voters.containsKey(nodeId)) {
            throw new IllegalArgumentException("voters " + voters.keySet() + " do not include this node " + nodeId);
        }
        if (electionTimeoutMinMs < 50 || snapshotEveryEntries < 1) {
            throw new IllegalArgumentException("election timeout must be >= 50 ms and snapshot interval >= 1 entry, got "
                + electionTimeoutMinMs + ", " + snapshotEveryEntries);
        }
        if (tls != null && (nodes == null || tls.keyManager() == null)) {
            throw new IllegalArgumentException("TLS on Raft needs this node's certificate and the cluster's node principals");
        }
    }
}
