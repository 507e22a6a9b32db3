package io.runnel.metadata.controller;

import io.runnel.metadata.image.PartitionInfo;
import io.runnel.metadata.image.TopicInfo;
import io.runnel.metadata.quorum.QuorumServer;
import io.runnel.proto.v1.ApplyResult;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Partition leaders' ISR changes (AlterPartition), one at a time per partition.
 *
 * <p>Thread-safety: safe from any thread.
 */
final class PartitionAlterations {
    private final QuorumServer quorum;
    private final ActiveProposer proposer;
    /** The last AlterPartition of each partition ("topic-partition"), until it is applied or fails. */
    private final Map<String, CompletableFuture<PartitionInfo>> alterations = new ConcurrentHashMap<>();

    PartitionAlterations(QuorumServer quorum, ActiveProposer proposer) {
        this.quorum = quorum;
        this.proposer = proposer;
    }

    /**
     * A leader's ISR change, decided only once every earlier AlterPartition of the same partition
     * that this controller proposed has been applied or has failed. So a retry of a change whose
     * answer was lost is decided on an image that holds that change (and is refused with
     * INVALID_UPDATE_VERSION) rather than beside it, and a refusal after the epoch checks proves
     * that nothing of the request was committed (docs/broker.md, "Which replicas count").
     *
     * @return the partition as committed
     */
    CompletableFuture<PartitionInfo> alter(int brokerId, long brokerEpoch, String topic, int partition,
                                         int leaderEpoch, int partitionEpoch, List<Integer> newIsr) {
        String key = topic + "-" + partition;
        CompletableFuture<PartitionInfo> result = new CompletableFuture<>();
        CompletableFuture<PartitionInfo> previous = alterations.put(key, result);
        CompletableFuture<?> turn = previous == null ? CompletableFuture.completedFuture(null) : previous.handle((p, e) -> null);
        turn.thenRun(() -> {
            CompletableFuture<ApplyResult> decided;
            try {
                decided = proposer.decide(() -> PartitionDecisions.alterPartition(quorum.image(), brokerId, brokerEpoch, topic, partition,
                    leaderEpoch, partitionEpoch, newIsr));
            } catch (RuntimeException e) {
                decided = CompletableFuture.failedFuture(e); // never leave the partition's queue waiting
            }
            decided.whenComplete((r, error) -> {
                if (error != null) {
                    result.completeExceptionally(error);
                } else {
                    TopicInfo t = quorum.image().topics().get(topic);
                    result.complete(t == null ? null : t.partitions().get(partition));
                }
            });
        });
        result.whenComplete((p, e) -> alterations.remove(key, result));
        return result;
    }
}
