package io.runnel.broker.partition;

import io.runnel.log.EpochEndOffset;
import io.runnel.log.FileSlice;

/**
 * A partition's answer to a fetch.
 *
 * @param records        whole batches from the one holding the fetch offset; empty if none
 * @param highWatermark  the leader's high watermark
 * @param logStartOffset first offset still stored
 * @param logEndOffset   the leader's log end offset
 * @param divergingEpoch for a follower whose log diverged: the leader's last epoch at or below the
 *                       follower's and where it ends, to truncate to; null when the logs agree
 */
public record FetchResult(FileSlice records, long highWatermark, long logStartOffset, long logEndOffset,
                          EpochEndOffset divergingEpoch) {
}
