package io.runnel.client.admin;

import io.runnel.client.common.TopicPartition;

/**
 * One partition of a group's progress, as {@link RunnelAdmin#describeGroup(String)} reports it.
 *
 * @param partition the topic partition
 * @param committedOffset the group's committed offset (the next record to process), or -1 if the
 *     partition is assigned but nothing was committed for it yet
 * @param logEndOffset the partition's latest offset (high watermark), or -1 if it could not be
 *     read (the topic was deleted, or the partition has no leader right now)
 * @param memberId the member that owns the partition now, or empty if none does
 */
public record PartitionLag(TopicPartition partition, long committedOffset, long logEndOffset, String memberId) {
    /**
     * Records the group has yet to process, or -1 when either offset is unknown. Not clamped at 0:
     * a committed offset past the log end (the topic was recreated, or its log truncated) is worth
     * seeing as a negative lag rather than hiding.
     */
    public long lag() {
        return committedOffset < 0 || logEndOffset < 0 ? -1 : logEndOffset - committedOffset;
    }
}
