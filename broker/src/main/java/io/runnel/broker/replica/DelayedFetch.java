package io.runnel.broker.replica;

import io.runnel.broker.partition.TopicPartition;
import io.runnel.broker.purgatory.DelayedOperation;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * A long-poll fetch: re-reads when a watched partition moved ({@link FetchPositions}: new records
 * readable, a role or epoch change, a moved log start) and answers once the read holds
 * {@code minBytes}, an error or a divergence, or when {@code max_wait_ms} runs out (with whatever
 * is there). A check that finds no partition moved costs a few field reads, not a read of the log.
 */
final class DelayedFetch extends DelayedOperation {
    private final int minBytes;
    private final FetchPositions positions;
    private final Supplier<Map<TopicPartition, FetchPartitionResult>> read;
    private final CompletableFuture<Map<TopicPartition, FetchPartitionResult>> response;
    private volatile Map<TopicPartition, FetchPartitionResult> last;
    /** What a read threw, answered if no read ever succeeded. */
    private volatile RuntimeException failure;

    /**
     * @param positions the partitions' positions, taken before the read that found too little
     * @param read      reads every partition again (no positions taken: this class takes them)
     */
    DelayedFetch(long maxWaitMs, int minBytes, FetchPositions positions, Supplier<Map<TopicPartition, FetchPartitionResult>> read,
                 CompletableFuture<Map<TopicPartition, FetchPartitionResult>> response) {
        super(maxWaitMs);
        this.minBytes = minBytes;
        this.positions = positions;
        this.read = read;
        this.response = response;
    }

    /** Whether a read is worth answering before the wait runs out. */
    static boolean satisfies(Map<TopicPartition, FetchPartitionResult> results, int minBytes) {
        long bytes = 0;
        for (FetchPartitionResult r : results.values()) {
            if (r.error() != null || r.divergingEpoch() != null) {
                return true;
            }
            bytes += r.records().size();
        }
        return bytes >= minBytes;
    }

    @Override
    public boolean tryComplete() {
        if (!positions.moved()) {
            return false;
        }
        positions.take();
        Map<TopicPartition, FetchPartitionResult> results;
        try {
            results = read.get();
        } catch (RuntimeException e) {
            // A read that throws (a bug, or a segment gone under it) answers now rather than never.
            failure = e;
            return forceComplete();
        }
        last = results;
        return satisfies(results, minBytes) && forceComplete();
    }

    @Override
    protected void onExpiration() {
        try {
            last = read.get();
        } catch (RuntimeException e) {
            failure = e; // the previous read's results are answered, or this failure if there are none
        }
    }

    @Override
    protected void onComplete() {
        Map<TopicPartition, FetchPartitionResult> results = last;
        if (results != null) {
            response.complete(results);
        } else {
            response.completeExceptionally(failure != null ? failure : new IllegalStateException("no read of the fetch ran"));
        }
    }
}
