package io.runnel.metadata.quorum;

import java.util.List;

/**
 * The controller quorum as the Raft leader sees it.
 *
 * @param leaderId the leader's node id
 * @param term     the leader's Raft term
 * @param voters   every voter of the current configuration, by node id
 */
public record QuorumStatus(int leaderId, long term, List<VoterStatus> voters) {
    public QuorumStatus {
        voters = List.copyOf(voters);
    }
}
