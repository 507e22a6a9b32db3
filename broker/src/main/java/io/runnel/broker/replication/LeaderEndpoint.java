package io.runnel.broker.replication;

import io.runnel.broker.partition.TopicPartition;
import io.runnel.log.EpochEndOffset;
import io.runnel.proto.v1.ErrorCode;
import java.io.Closeable;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * How a follower reaches a partition leader's broker. The gRPC implementation is the real one;
 * the interface keeps the fetcher free of transport types, as the planned Kafka-protocol listener
 * and tests need.
 */
public interface LeaderEndpoint extends Closeable {

    /** One partition's part of a replica fetch. */
    record PartitionFetch(TopicPartition tp, long fetchOffset, int currentLeaderEpoch, int lastFetchedEpoch, int maxBytes) {
    }

    /** One partition's answer; {@code records} holds whole batches, possibly none. */
    record PartitionData(TopicPartition tp, ErrorCode error, String errorMessage, long highWatermark, long logStartOffset,
                         long logEndOffset, EpochEndOffset divergingEpoch, ByteBuffer records) {
    }

    /**
     * Fetches, waiting on the leader up to {@code maxWaitMs} for {@code minBytes}.
     *
     * @throws Exception if the leader cannot be reached or the call fails as a whole
     */
    List<PartitionData> fetch(int replicaId, int maxWaitMs, int minBytes, List<PartitionFetch> partitions) throws Exception;

    @Override
    void close();
}
