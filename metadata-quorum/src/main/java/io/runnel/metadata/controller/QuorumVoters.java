package io.runnel.metadata.controller;

import io.runnel.metadata.quorum.QuorumServer;
import io.runnel.metadata.quorum.QuorumStatus;
import io.runnel.proto.v1.ErrorCode;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * The controller quorum's voters, changed and described on the active controller only (others
 * refuse with NOT_CONTROLLER). A change blocks until Raft has committed it, so it runs on
 * {@code executor}, not the caller's thread; a refusal fails the future with INVALID_REQUEST and
 * {@link QuorumServer}'s reason.
 */
public final class QuorumVoters {
    private final QuorumServer quorum;
    private final Executor executor;

    QuorumVoters(QuorumServer quorum, Executor executor) {
        this.quorum = quorum;
        this.executor = executor;
    }

    /** A change or description, run on the executor if this node is the active controller. */
    private interface QuorumCall<T> {
        T run() throws IOException;
    }

    private <T> CompletableFuture<T> onActive(QuorumCall<T> call) {
        if (!quorum.isActiveController()) {
            return CompletableFuture.failedFuture(new ControllerException(ErrorCode.NOT_CONTROLLER, "node " + quorum.nodeId()
                + " is not the active controller (leader: " + quorum.leaderId() + ")"));
        }
        return CompletableFuture.supplyAsync(() -> {
            try {
                return call.run();
            } catch (IOException e) {
                throw new ControllerException(ErrorCode.INVALID_REQUEST, e.getMessage());
            }
        }, executor);
    }

    /**
     * Adds a voter (started with {@code quorum.join=true}) to the Raft configuration.
     *
     * @return the voters afterwards
     */
    public CompletableFuture<List<Integer>> add(int nodeId, String host, int raftPort) {
        return onActive(() -> {
            quorum.addVoter(nodeId, InetSocketAddress.createUnresolved(host, raftPort));
            return quorum.voters();
        });
    }

    /**
     * Removes a voter ({@link QuorumServer#removeVoter}).
     *
     * @return the voters afterwards
     */
    public CompletableFuture<List<Integer>> remove(int nodeId) {
        return onActive(() -> quorum.removeVoter(nodeId));
    }

    /** The voters as the active controller sees them. */
    public CompletableFuture<QuorumStatus> describe() {
        return onActive(quorum::quorumStatus);
    }
}
