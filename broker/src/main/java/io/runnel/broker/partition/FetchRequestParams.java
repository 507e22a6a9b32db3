package io.runnel.broker.partition;

/**
 * One partition's part of a fetch.
 *
 * @param replicaId          the fetching broker's id, or {@link #CONSUMER} for a client
 * @param fetchOffset        the first offset wanted
 * @param currentLeaderEpoch the leader epoch the fetcher believes current, or -1 to skip the check
 * @param lastFetchedEpoch   a follower's epoch of its last record, or -1: lets the leader spot divergence
 * @param maxBytes           byte budget for this partition (at least one batch is returned anyway)
 */
public record FetchRequestParams(int replicaId, long fetchOffset, int currentLeaderEpoch, int lastFetchedEpoch,
                                 int maxBytes) {
    public static final int CONSUMER = -1;

    public boolean fromFollower() {
        return replicaId >= 0;
    }
}
