package io.runnel.broker.replication;

import io.runnel.broker.partition.TopicPartition;
import io.runnel.log.EpochEndOffset;
import io.runnel.proto.v1.ErrorCode;
import java.io.Closeable;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * How a follower reaches a partition leader's broker. The gRPC implementation is the real one;
 * the interface keeps the fetcher free of transport types, as the planned Kafka-protocol listener
 * and tests need.
 *
 * <p>Fetches are asynchronous: the answer is handed to an {@link Answer} on the transport's own
 * thread (the event loop that read it), so a follower applies it and sends its next fetch there,
 * without waking a thread of its own per round (issue 13: a follower spent ~13% of its CPU on the
 * hand-off from the event loop to its fetcher thread and back, and each hand-off added a
 * scheduling delay to every acks=all produce).
 */
public interface LeaderEndpoint extends Closeable {

    /** One partition's part of a replica fetch. */
    record PartitionFetch(TopicPartition tp, long fetchOffset, int currentLeaderEpoch, int lastFetchedEpoch, int maxBytes) {
    }

    /** One partition's answer; {@code records} holds whole batches, possibly none. */
    record PartitionData(TopicPartition tp, ErrorCode error, String errorMessage, long highWatermark, long logStartOffset,
                         long logEndOffset, EpochEndOffset divergingEpoch, ByteBuffer records) {
    }

    /** Where a fetch's outcome goes: exactly one of the two is called, once, on a transport thread. */
    interface Answer {
        void onAnswer(List<PartitionData> partitions);

        /** The leader could not be reached, failed the fetch or the stream, or did not answer in time. */
        void onFailure(Exception e);

        /** An answer that completes {@code outcome}: with the partitions, or exceptionally with the failure. */
        static Answer completing(CompletableFuture<List<PartitionData>> outcome) {
            return new Answer() {
                @Override
                public void onAnswer(List<PartitionData> partitions) {
                    outcome.complete(partitions);
                }

                @Override
                public void onFailure(Exception e) {
                    outcome.completeExceptionally(e);
                }
            };
        }
    }

    /**
     * Sends one fetch, waiting on the leader up to {@code maxWaitMs} for {@code minBytes}. At most
     * one fetch is in flight per endpoint: the caller sends the next after the answer.
     */
    void fetch(int replicaId, int maxWaitMs, int minBytes, List<PartitionFetch> partitions, Answer answer);

    /**
     * Fails the fetch in flight (through its {@link Answer#onFailure}) if it has waited longer than
     * its max wait plus the endpoint's request timeout; the fetcher calls this periodically.
     */
    void expireOverdue();

    /**
     * {@link #fetch(int, int, int, List, Answer)}, waiting for the answer on the calling thread
     * (tests and tools); an overdue fetch fails with a {@link TimeoutException}.
     *
     * @throws Exception the fetch's failure
     */
    default List<PartitionData> fetch(int replicaId, int maxWaitMs, int minBytes, List<PartitionFetch> partitions)
        throws Exception {
        CompletableFuture<List<PartitionData>> answer = new CompletableFuture<>();
        fetch(replicaId, maxWaitMs, minBytes, partitions, Answer.completing(answer));
        while (true) {
            try {
                return answer.get(100, TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                throw e.getCause() instanceof Exception cause ? cause : e;
            } catch (TimeoutException e) {
                expireOverdue(); // fails it once it is overdue
            }
        }
    }

    /** Ends the connection at once; a fetch in flight fails. */
    @Override
    void close();
}
