package io.runnel.broker.metadata;

import io.grpc.StatusRuntimeException;
import io.runnel.broker.partition.AlterPartitionResult;
import io.runnel.broker.partition.PartitionState;
import io.runnel.broker.partition.TopicPartition;
import io.runnel.proto.v1.AlterPartitionRequest;
import io.runnel.proto.v1.AlterPartitionResponse;
import io.runnel.proto.v1.PartitionRegistration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.LongSupplier;

/**
 * Sends a partition leader's AlterPartition requests to the active controller and classifies how
 * each ended.
 *
 * <p>Thread-safety: stateless apart from its collaborators; the active controller is the volatile
 * in {@link ControllerChannels}, the broker epoch the volatile in {@link BrokerSession}.
 */
final class AlterPartitionClient {
    private final int brokerId;
    private final LongSupplier brokerEpoch;
    private final ControllerChannels controllers;
    /** Runs the blocking calls; owned by the caller. */
    private final ScheduledExecutorService calls;

    AlterPartitionClient(int brokerId, LongSupplier brokerEpoch, ControllerChannels controllers, ScheduledExecutorService calls) {
        this.brokerId = brokerId;
        this.brokerEpoch = brokerEpoch;
        this.controllers = controllers;
        this.calls = calls;
    }

    /**
     * Sends an AlterPartition to the active controller, following NOT_CONTROLLER hints. Only a
     * refusal given after the controller checked the epochs (INVALID_REQUEST: an ineligible or
     * malformed ISR) proves the change was not committed: the controller decides one change of a
     * partition at a time, and a committed change bumps the partition epoch, so a retry of an
     * applied change could not have passed that check. Every other answer leaves it undecided:
     * a timeout, a NOT_CONTROLLER from a leader that lost its term while proposing (the entry may
     * still commit), or epochs that moved (possibly by this very change on an earlier try).
     */
    CompletableFuture<AlterPartitionResult> send(TopicPartition tp, int leaderEpoch, int partitionEpoch, List<Integer> newIsr) {
        AlterPartitionRequest request = AlterPartitionRequest.newBuilder().setBrokerId(brokerId)
            .setBrokerEpoch(brokerEpoch.getAsLong()).setTopic(tp.topic()).setPartition(tp.partition())
            .setLeaderEpoch(leaderEpoch).setPartitionEpoch(partitionEpoch).addAllNewIsr(newIsr).build();
        return CompletableFuture.supplyAsync(() -> {
            String last = "no controller answered";
            for (int attempt = 0; attempt < controllers.ids().size() * 2; attempt++) {
                try {
                    AlterPartitionResponse r = controllers.stub(controllers.active()).alterPartition(request);
                    switch (r.getError()) {
                        case NONE -> {
                            PartitionRegistration p = r.getPartition();
                            return new AlterPartitionResult.Accepted(new PartitionState(p.getLeader(), p.getLeaderEpoch(),
                                p.getPartitionEpoch(), p.getReplicasList(), p.getIsrList()));
                        }
                        case INVALID_REQUEST -> {
                            return new AlterPartitionResult.Refused(r.getErrorMessage());
                        }
                        case NOT_CONTROLLER -> {
                            last = "NOT_CONTROLLER " + r.getErrorMessage();
                            controllers.follow(r.getControllerId());
                        }
                        default -> {
                            return new AlterPartitionResult.Undecided(r.getError() + " " + r.getErrorMessage());
                        }
                    }
                } catch (StatusRuntimeException e) {
                    last = e.getStatus().toString();
                    controllers.follow(-1);
                }
            }
            return new AlterPartitionResult.Undecided(last);
        }, calls);
    }
}
