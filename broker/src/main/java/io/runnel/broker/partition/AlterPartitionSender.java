package io.runnel.broker.partition;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * How a partition leader asks the controller to change its ISR (AlterPartition), and what it knows
 * of the brokers it may propose. The controller accepts a change only if {@code leaderEpoch} and
 * {@code partitionEpoch} are still current; the future never fails, it completes with how the
 * request ended ({@link AlterPartitionResult}).
 */
public interface AlterPartitionSender {
    CompletableFuture<AlterPartitionResult> send(TopicPartition tp, int leaderEpoch, int partitionEpoch, List<Integer> newIsr);

    /**
     * Whether {@code brokerId} may join an ISR as far as this broker's metadata knows: registered
     * and not fenced. A leader does not propose a broker the controller would refuse, so a fenced
     * follower that keeps fetching does not cause one refused AlterPartition per fetch.
     */
    default boolean isIsrEligible(int brokerId) {
        return true;
    }
}
