package io.runnel.broker.partition;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * How a partition leader asks the controller to change its ISR (AlterPartition). The controller
 * accepts the change only if {@code partitionEpoch} is still current, and answers with the new
 * state (or fails the future with the reason).
 */
@FunctionalInterface
public interface AlterPartitionSender {
    CompletableFuture<PartitionState> send(TopicPartition tp, int leaderEpoch, int partitionEpoch, List<Integer> newIsr);
}
