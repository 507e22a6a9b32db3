package io.runnel.client.admin;

import io.runnel.proto.v1.DescribeQuorumResponse;
import java.util.List;

/**
 * The controller quorum as the active controller sees it ({@link RunnelAdmin#describeQuorum}).
 *
 * @param leaderId the active controller (the Raft leader)
 * @param term     its Raft term
 * @param voters   every voter, by node id
 */
public record QuorumDescription(int leaderId, long term, List<Voter> voters) {
    public QuorumDescription {
        voters = List.copyOf(voters);
    }

    /**
     * One voter.
     *
     * @param nodeId        its node id
     * @param raftAddress   its Raft server, host:port (the controller port + 1)
     * @param leader        whether it is the active controller
     * @param lastContactMs milliseconds since the leader last heard from it; 0 for the leader, -1 if never
     */
    public record Voter(int nodeId, String raftAddress, boolean leader, long lastContactMs) {
    }

    static QuorumDescription of(DescribeQuorumResponse r) {
        return new QuorumDescription(r.getControllerId(), r.getTerm(), r.getVotersList().stream()
            .map(v -> new Voter(v.getNodeId(), v.getRaftAddress(), v.getLeader(), v.getLastContactMs())).toList());
    }
}
