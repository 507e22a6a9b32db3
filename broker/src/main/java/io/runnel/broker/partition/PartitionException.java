package io.runnel.broker.partition;

/**
 * A request a partition cannot serve, as data: the service layer maps each subclass to its error
 * code on the wire, with the retriable flag the subclass declares.
 */
public abstract class PartitionException extends RuntimeException {
    protected PartitionException(String message) {
        // Expected outcomes of normal operation: no stack trace to fill in.
        super(message, null, false, false);
    }

    /** Whether the same request can succeed later (after a metadata refresh or a wait). */
    public abstract boolean retriable();

    /** This broker does not lead the partition (any more); the client should refresh metadata. */
    public static final class NotLeaderException extends PartitionException {
        private final int leaderId;
        private final int leaderEpoch;

        public NotLeaderException(TopicPartition tp, int leaderId, int leaderEpoch) {
            super("This broker is not the leader of " + tp + "; leader is " + leaderId + " in epoch " + leaderEpoch);
            this.leaderId = leaderId;
            this.leaderEpoch = leaderEpoch;
        }

        public int leaderId() {
            return leaderId;
        }

        public int leaderEpoch() {
            return leaderEpoch;
        }

        @Override
        public boolean retriable() {
            return true;
        }
    }

    /** acks=all was asked while the ISR is smaller than min.insync.replicas. */
    public static final class NotEnoughReplicasException extends PartitionException {
        public NotEnoughReplicasException(TopicPartition tp, int isrSize, int minInsyncReplicas) {
            super("ISR of " + tp + " has " + isrSize + " replicas, below min.insync.replicas " + minInsyncReplicas);
        }

        @Override
        public boolean retriable() {
            return true;
        }
    }

    /**
     * A follower was told to cut its log below its high watermark, on a topic without unclean
     * leader election: the leader lacks records this replica holds as committed, so it was not
     * elected as the rules say (a stale image, a bug). The follower keeps its log and waits for
     * metadata to name another leader; truncating would lose acknowledged records on every replica.
     */
    public static final class CommittedTruncationException extends PartitionException {
        public CommittedTruncationException(TopicPartition tp, long truncateTo, long highWatermark, String leaderAnswer) {
            super(tp + ": not truncating to " + truncateTo + ", below the high watermark " + highWatermark
                + ": the leader lacks committed records (" + leaderAnswer + ") and unclean.leader.election.enable is off");
        }

        @Override
        public boolean retriable() {
            return true;
        }
    }

    /** A request carried an epoch older than the partition's current leader epoch. */
    public static final class FencedLeaderEpochException extends PartitionException {
        public FencedLeaderEpochException(TopicPartition tp, int requestEpoch, int currentEpoch) {
            super("Leader epoch " + requestEpoch + " for " + tp + " is older than the current " + currentEpoch);
        }

        @Override
        public boolean retriable() {
            return true;
        }
    }

    /** A request carried an epoch newer than this broker knows: its metadata is behind. */
    public static final class UnknownLeaderEpochException extends PartitionException {
        public UnknownLeaderEpochException(TopicPartition tp, int requestEpoch, int currentEpoch) {
            super("Leader epoch " + requestEpoch + " for " + tp + " is newer than the current " + currentEpoch);
        }

        @Override
        public boolean retriable() {
            return true;
        }
    }

    /** A follower fetch from a broker that is not a replica of the partition. */
    public static final class NotReplicaException extends PartitionException {
        public NotReplicaException(TopicPartition tp, int brokerId) {
            super("Broker " + brokerId + " is not a replica of " + tp);
        }

        @Override
        public boolean retriable() {
            return true;
        }
    }

    /** An idempotent producer's batch does not follow its last sequence on this partition. */
    public static final class OutOfOrderSequenceException extends PartitionException {
        public OutOfOrderSequenceException(String message) {
            super(message);
        }

        @Override
        public boolean retriable() {
            return false;
        }
    }

    /** An idempotent producer's epoch is older than the newest seen: a newer instance took over. */
    public static final class InvalidProducerEpochException extends PartitionException {
        public InvalidProducerEpochException(String message) {
            super(message);
        }

        @Override
        public boolean retriable() {
            return false;
        }
    }
}
