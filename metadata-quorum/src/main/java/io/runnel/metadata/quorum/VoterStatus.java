package io.runnel.metadata.quorum;

/**
 * One voter of the controller quorum as the Raft leader sees it.
 *
 * @param nodeId        the voter's node id
 * @param raftAddress   its Raft address, host:port
 * @param leader        whether it is the Raft leader (the active controller)
 * @param lastContactMs milliseconds since the leader last heard from it; 0 for the leader itself
 */
public record VoterStatus(int nodeId, String raftAddress, boolean leader, long lastContactMs) {
}
