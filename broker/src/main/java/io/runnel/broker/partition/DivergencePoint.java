package io.runnel.broker.partition;

import io.runnel.log.EpochEndOffset;

/**
 * Where a follower truncates after the leader answered its fetch with a diverging epoch, and
 * whether that settles the divergence. Kafka's rule ({@code AbstractFetcherThread}
 * {@code getOffsetTruncationState}), with {@code leader} = the leader's (epoch, end offset) for the
 * follower's last fetched epoch and {@code local} = the follower's own end offset for that epoch:
 * <ul>
 *   <li>the leader knows no epoch at or below ours: start over at our log start;</li>
 *   <li>we know no epoch at or below the leader's: the leader's end offset;</li>
 *   <li>we know the leader's epoch: the smaller of both ends of it;</li>
 *   <li>we know only an older epoch: our end of that older epoch, <em>not</em> complete: records
 *       of ours past it were written in an epoch the leader never had, and the next fetch names
 *       the older epoch so the leader can answer for it.</li>
 * </ul>
 * Never above our log end offset.
 *
 * @param truncateTo the offset to truncate the follower's log to
 * @param complete   false if the next fetch may diverge again, one epoch further back
 */
public record DivergencePoint(long truncateTo, boolean complete) {

    /**
     * @param leader         the leader's answer: its largest epoch at or below our last fetched one
     *                       and where that epoch ends there ({@link EpochEndOffset#UNDEFINED} if none)
     * @param local          our largest epoch at or below {@code leader.epoch()} and where it ends here
     * @param logStartOffset our log start offset
     * @param logEndOffset   our log end offset
     */
    public static DivergencePoint of(EpochEndOffset leader, EpochEndOffset local, long logStartOffset, long logEndOffset) {
        if (leader.epoch() < 0) {
            return new DivergencePoint(logStartOffset, true);
        }
        if (local.epoch() < 0) {
            return new DivergencePoint(clamp(leader.endOffset(), logEndOffset), true);
        }
        if (local.epoch() == leader.epoch()) {
            return new DivergencePoint(clamp(Math.min(leader.endOffset(), local.endOffset()), logEndOffset), true);
        }
        return new DivergencePoint(clamp(local.endOffset(), logEndOffset), false);
    }

    private static long clamp(long offset, long logEndOffset) {
        return Math.max(0, Math.min(offset, logEndOffset));
    }
}
