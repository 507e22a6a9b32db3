package io.runnel.metadata.controller;

import io.runnel.metadata.quorum.QuorumServer;
import io.runnel.proto.v1.ApplyResult;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.MetadataBatch;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Proposes the active controller's decisions: a call runs only on the active controller (elsewhere
 * it fails with NOT_CONTROLLER, naming the leader), and a batch the state machine rejects at apply
 * time fails the future with the rejection's code. Every request path of {@link QuorumController}
 * and {@link BrokerSessions} goes through here.
 *
 * <p>Thread-safety: safe from any thread.
 */
final class ActiveProposer {
    private final QuorumServer quorum;

    ActiveProposer(QuorumServer quorum) {
        this.quorum = quorum;
    }

    /** @throws ControllerException NOT_CONTROLLER if this node is not the active controller */
    void requireActive() {
        if (!quorum.isActiveController()) {
            throw new ControllerException(ErrorCode.NOT_CONTROLLER, "node " + quorum.nodeId()
                + " is not the active controller (leader: " + quorum.leaderId() + ")");
        }
    }

    /** Decides on the current image and proposes; a rejection at apply time fails the future with its code. */
    CompletableFuture<ApplyResult> decide(Supplier<MetadataBatch> decision) {
        return whenActive(() -> propose(decision.get()));
    }

    /** Runs {@code call} if this node is the active controller; a refusal of either fails the future. */
    <T> CompletableFuture<T> whenActive(Supplier<CompletableFuture<T>> call) {
        try {
            requireActive();
            return call.get();
        } catch (ControllerException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Proposes {@code batch}; an error in its apply result fails the future with that code. */
    CompletableFuture<ApplyResult> propose(MetadataBatch batch) {
        return quorum.propose(batch).thenApply(result -> {
            if (result.getError() != ErrorCode.NONE) {
                throw new ControllerException(result.getError(), result.getMessage());
            }
            return result;
        });
    }
}
