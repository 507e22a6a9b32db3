package io.runnel.broker.replica;

import io.runnel.broker.partition.FetchRequestParams;
import io.runnel.broker.partition.FetchResult;
import io.runnel.broker.partition.Partition;
import io.runnel.broker.partition.PartitionException;
import io.runnel.broker.partition.TopicPartition;
import io.runnel.broker.purgatory.DelayedOperationPurgatory;
import io.runnel.broker.replica.ReplicaManager.Hosted;
import io.runnel.log.FileSlice;
import io.runnel.log.OffsetOutOfRangeException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The fetch path of {@link ReplicaManager}: reads from the hosted partitions within the
 * {@link FetchLimits}, parks long polls in the fetch purgatory, and completes the waiting produces
 * and fetches a follower's progress unblocks. The produce path and metadata stay in ReplicaManager,
 * which shares its partition map and both purgatories with this class.
 *
 * <p>Thread-safety: safe from any thread, as ReplicaManager's public methods are; it holds no lock
 * of its own (the partition map is concurrent, partitions serialize their own state, the parked
 * count is atomic).
 */
final class ReplicaReads {
    private final ConcurrentHashMap<TopicPartition, Hosted> partitions;
    private final FetchLimits fetchLimits;
    private final DelayedOperationPurgatory<TopicPartition> producePurgatory;
    private final DelayedOperationPurgatory<TopicPartition> fetchPurgatory;
    /** The purgatory's thread, for completions a re-read inside a purgatory check must not run itself. */
    private final Executor purgatoryThread;
    /** Fetches parked in the fetch purgatory now (bounded by {@link FetchLimits#maxParked()}). */
    private final AtomicInteger parkedFetches = new AtomicInteger();
    private final LogDirHealth health;
    /** Holds back the catch-up of replicas a reassignment adds. */
    private final ReassignmentThrottle throttle;

    /** @param partitions ReplicaManager's live map of hosted replicas (read, never changed here) */
    ReplicaReads(ConcurrentHashMap<TopicPartition, Hosted> partitions, FetchLimits fetchLimits,
                 DelayedOperationPurgatory<TopicPartition> producePurgatory,
                 DelayedOperationPurgatory<TopicPartition> fetchPurgatory, Executor purgatoryThread, LogDirHealth health,
                 ReassignmentThrottle throttle) {
        this.health = health;
        this.throttle = throttle;
        this.partitions = partitions;
        this.fetchLimits = fetchLimits;
        this.producePurgatory = producePurgatory;
        this.fetchPurgatory = fetchPurgatory;
        this.purgatoryThread = purgatoryThread;
    }

    /** Fetches parked now, waiting for data. */
    int parkedFetches() {
        return parkedFetches.get();
    }

    /**
     * Reads from the partitions this broker leads, for a consumer ({@code replicaId} -1, up to the
     * high watermark) or a follower (up to the log end offset; its fetch offsets advance the ISR
     * state). Waits up to {@code maxWaitMs} for {@code minBytes} unless an error or a divergence
     * answers sooner.
     *
     * <p>Held to {@link FetchLimits}: {@code maxWaitMs} is capped by {@code fetch.max.wait.ms.limit},
     * {@code maxBytes} by {@code fetch.max.bytes} (a consumer) or {@code replica.fetch.response.max.bytes}
     * (a follower), and with {@code fetch.purgatory.max.size} fetches already parked a new one is
     * answered at once with what there is. Records come as whole batches within the budget; only the
     * first partition with data may return a batch larger than what is left of it (so a consumer
     * always progresses), and a later partition whose first batch does not fit returns nothing.
     *
     * @param requests in the order partitions should fill {@code maxBytes}
     * @throws IllegalArgumentException for negative waits or sizes
     */
    CompletableFuture<Map<TopicPartition, FetchPartitionResult>> fetch(long maxWaitMs, int minBytes, int maxBytes,
                                                                             Map<TopicPartition, FetchRequestParams> requests) {
        if (maxWaitMs < 0 || minBytes < 0 || maxBytes < 0) {
            throw new IllegalArgumentException("max wait, min bytes and max bytes must be >= 0, got " + maxWaitMs + ", "
                + minBytes + ", " + maxBytes);
        }
        boolean fromFollower = requests.values().stream().anyMatch(FetchRequestParams::fromFollower);
        int cappedBytes = Math.min(maxBytes, fromFollower ? fetchLimits.replicaMaxBytes() : fetchLimits.maxBytes());
        long wait = Math.min(maxWaitMs, fetchLimits.maxWaitMs());
        CompletableFuture<Map<TopicPartition, FetchPartitionResult>> response = new CompletableFuture<>();
        List<TopicPartition> watermarkMoved = new ArrayList<>(0);
        FetchPositions positions = new FetchPositions(partitions, requests, health);
        positions.take();
        Map<TopicPartition, FetchPartitionResult> first = readAll(cappedBytes, requests, watermarkMoved::add);
        // A follower's progress moved the watermark: acks=all produces and consumers go on, completed
        // here on the fetch's own thread (no hand-off; this is not inside another operation's check).
        for (TopicPartition tp : watermarkMoved) {
            producePurgatory.checkAndComplete(tp);
            fetchPurgatory.checkAndComplete(tp);
        }
        if (wait == 0 || DelayedFetch.satisfies(first, Math.max(1, minBytes))) {
            response.complete(first);
            return response;
        }
        if (parkedFetches.incrementAndGet() > fetchLimits.maxParked()) {
            // The purgatory is full: answer now (an empty answer is a valid one) rather than hold more.
            parkedFetches.decrementAndGet();
            response.complete(first);
            return response;
        }
        response.whenComplete((r, e) -> parkedFetches.decrementAndGet());
        // A re-read runs inside the fetch purgatory's check of another operation: completing operations
        // from there would re-enter it, so a watermark it moves is handed to the purgatory's thread.
        DelayedFetch delayed = new DelayedFetch(wait, Math.max(1, minBytes), positions, () -> readAll(cappedBytes, requests,
            tp -> purgatoryThread.execute(() -> {
                producePurgatory.checkAndComplete(tp);
                fetchPurgatory.checkAndComplete(tp);
            })), response);
        fetchPurgatory.tryCompleteElseWatch(delayed, requests.keySet());
        return response;
    }

    /** @param watermarkMoved told of each partition whose high watermark this read (a follower's fetch) moved */
    private Map<TopicPartition, FetchPartitionResult> readAll(int maxBytes, Map<TopicPartition, FetchRequestParams> requests,
                                                             Consumer<TopicPartition> watermarkMoved) {
        Map<TopicPartition, FetchPartitionResult> results = new LinkedHashMap<>();
        long remaining = maxBytes;
        boolean first = true;
        for (Map.Entry<TopicPartition, FetchRequestParams> e : requests.entrySet()) {
            TopicPartition tp = e.getKey();
            FetchRequestParams params = e.getValue();
            Hosted hosted = partitions.get(tp);
            if (hosted == null) {
                results.put(tp, FetchPartitionResult.failed(ReplicaManager.missing(tp)));
                continue;
            }
            int budget = (int) Math.min(params.maxBytes(), Math.max(0, remaining));
            if (budget == 0 && !first) {
                results.put(tp, new FetchPartitionResult(FileSlice.EMPTY, hosted.partition().highWatermark(),
                    hosted.partition().log().logStartOffset(), hosted.partition().logEndOffset(), null, null));
                continue;
            }
            try {
                health.check(tp);
                Partition p = hosted.partition();
                long hwBefore = p.highWatermark();
                List<Integer> isr = p.state().isr();
                int allowed = params.fromFollower() ? throttle.limit(tp, params.replicaId(), isr, budget) : budget;
                FetchResult r = p.fetchRecords(new FetchRequestParams(params.replicaId(), params.fetchOffset(),
                    params.currentLeaderEpoch(), params.lastFetchedEpoch(), Math.max(1, allowed)));
                if (allowed == 0 || (!first && r.records().size() > budget)) {
                    // The move's throttle is spent (the follower's position still counted, above), or
                    // its first batch does not fit what is left: only the response's first data may overshoot.
                    r = new FetchResult(FileSlice.EMPTY, r.highWatermark(), r.logStartOffset(), r.logEndOffset(),
                        r.divergingEpoch());
                }
                if (params.fromFollower()) {
                    throttle.sent(tp, params.replicaId(), isr, r.records().size());
                }
                results.put(tp, new FetchPartitionResult(r.records(), r.highWatermark(), r.logStartOffset(), r.logEndOffset(),
                    r.divergingEpoch(), null));
                remaining -= r.records().size();
                if (r.records().size() > 0) {
                    first = false;
                }
                if (params.fromFollower() && p.highWatermark() > hwBefore) {
                    watermarkMoved.accept(tp);
                }
            } catch (OffsetOutOfRangeException ex) {
                // errors.proto: the consumer resets from these bounds, so they come with the error.
                Partition p = hosted.partition();
                results.put(tp, new FetchPartitionResult(FileSlice.EMPTY, p.highWatermark(), p.log().logStartOffset(),
                    p.logEndOffset(), null, ex));
            } catch (PartitionException | IllegalArgumentException ex) {
                results.put(tp, FetchPartitionResult.failed(ex));
            } catch (RuntimeException ex) {
                results.put(tp, FetchPartitionResult.failed(health.onError(tp, ex)));
            }
        }
        return results;
    }
}
