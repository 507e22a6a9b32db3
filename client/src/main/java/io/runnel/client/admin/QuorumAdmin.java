package io.runnel.client.admin;

import io.runnel.client.admin.RunnelAdmin.AdminException;
import io.runnel.proto.v1.AddVoterRequest;
import io.runnel.proto.v1.AddVoterResponse;
import io.runnel.proto.v1.DescribeQuorumRequest;
import io.runnel.proto.v1.DescribeQuorumResponse;
import io.runnel.proto.v1.Endpoint;
import io.runnel.proto.v1.RemoveVoterRequest;
import io.runnel.proto.v1.RemoveVoterResponse;
import java.util.List;

/**
 * The admin client's controller-quorum calls: adding, removing and describing voters
 * (docs/operations.md; {@link RunnelAdmin} delegates to them).
 *
 * <p>Thread-safety: safe from any thread.
 */
final class QuorumAdmin {
    private final AdminCalls calls;

    QuorumAdmin(AdminCalls calls) {
        this.calls = calls;
    }

    /**
     * Adds a controller started with {@code quorum.join=true} as a voter; returns once the new
     * configuration has committed (the new voter has caught up first).
     *
     * @param raftHost the new voter's host as the other voters reach it
     * @param raftPort its Raft port: its controller port + 1
     * @return the voters afterwards
     * @throws AdminException INVALID_REQUEST naming why (already a voter, a change in progress, refused);
     *                        CLUSTER_AUTHORIZATION_FAILED without ALTER on the cluster
     */
    List<Integer> addVoter(int nodeId, String raftHost, int raftPort) {
        AddVoterRequest request = AddVoterRequest.newBuilder().setNodeId(nodeId)
            .setRaftEndpoint(Endpoint.newBuilder().setHost(raftHost).setPort(raftPort)).build();
        return calls.retrying(() -> {
            AddVoterResponse r = calls.admin().addVoter(request);
            AdminCalls.checkAnswer(r.getError(), "adding voter " + nodeId + ": " + r.getErrorMessage());
            return r.getVotersList();
        });
    }

    /**
     * Removes a voter; returns once the new configuration has committed. Stop the removed node
     * afterwards. Removing the active controller moves leadership to another voter first.
     *
     * @return the voters afterwards
     * @throws AdminException INVALID_REQUEST naming why (not a voter, the only voter, too few live
     *                        voters would remain for a majority, a change in progress);
     *                        CLUSTER_AUTHORIZATION_FAILED without ALTER on the cluster
     */
    List<Integer> removeVoter(int nodeId) {
        RemoveVoterRequest request = RemoveVoterRequest.newBuilder().setNodeId(nodeId).build();
        return calls.retrying(() -> {
            RemoveVoterResponse r = calls.admin().removeVoter(request);
            AdminCalls.checkAnswer(r.getError(), "removing voter " + nodeId + ": " + r.getErrorMessage());
            return r.getVotersList();
        });
    }

    /**
     * The voters, the active controller and how long since it heard from each.
     *
     * @throws AdminException CLUSTER_AUTHORIZATION_FAILED without DESCRIBE on the cluster
     */
    QuorumDescription describeQuorum() {
        return calls.retrying(() -> {
            DescribeQuorumResponse r = calls.admin().describeQuorum(DescribeQuorumRequest.getDefaultInstance());
            AdminCalls.checkAnswer(r.getError(), "describing the quorum: " + r.getErrorMessage());
            return QuorumDescription.of(r);
        });
    }
}
