package io.runnel.broker.replica;

import io.runnel.log.EpochEndOffset;
import io.runnel.log.FileSlice;

/**
 * One partition's outcome of a fetch.
 *
 * @param records        whole batches; {@link FileSlice#EMPTY} if none or on error
 * @param divergingEpoch set for a follower that must truncate before fetching again
 * @param error          null on success; else the reason, mapped to an error code by the service
 */
public record FetchPartitionResult(FileSlice records, long highWatermark, long logStartOffset, long logEndOffset,
                                   EpochEndOffset divergingEpoch, RuntimeException error) {
    public static FetchPartitionResult failed(RuntimeException error) {
        return new FetchPartitionResult(FileSlice.EMPTY, -1, -1, -1, null, error);
    }
}
