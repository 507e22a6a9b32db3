package io.runnel.broker.partition;

/**
 * How an AlterPartition ended, as far as the leader can know. Only {@link Refused} proves that the
 * proposed ISR was <em>not</em> committed; after {@link Undecided} it may have been (an earlier try
 * whose answer was lost, or a proposal the controller lost its leadership over), so the leader keeps
 * counting the proposed members for its high watermark until metadata shows what was decided.
 */
public sealed interface AlterPartitionResult {

    /** Committed: the partition's state as the controller answered it. */
    record Accepted(PartitionState state) implements AlterPartitionResult {
    }

    /**
     * The controller checked the request against the current leader and partition epochs and then
     * refused it (for example a fenced broker cannot join the ISR). Every committed change bumps the
     * partition epoch, and the controller decides one change of a partition at a time, so no try of
     * this proposal was committed.
     */
    record Refused(String reason) implements AlterPartitionResult {
    }

    /**
     * No answer that settles it: the controller could not be reached or timed out, lost its
     * leadership while proposing, or says the partition moved on (a newer leader or partition
     * epoch, which may be this very proposal committed by an earlier try).
     */
    record Undecided(String reason) implements AlterPartitionResult {
    }
}
