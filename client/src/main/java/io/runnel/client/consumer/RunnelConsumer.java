package io.runnel.client.consumer;

import io.runnel.client.common.Bootstrap;
import io.runnel.client.common.TopicPartition;
import io.runnel.proto.v1.BrokerGrpc;
import io.runnel.proto.v1.BrokerInfo;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.FetchPartition;
import io.runnel.proto.v1.FetchPartitionResponse;
import io.runnel.proto.v1.FetchRequest;
import io.runnel.proto.v1.FetchTopic;
import io.runnel.proto.v1.FetchTopicResponse;
import io.runnel.proto.v1.ListOffsetsPartition;
import io.runnel.proto.v1.ListOffsetsRequest;
import io.runnel.proto.v1.ListOffsetsTopic;
import io.runnel.proto.v1.MetadataResponse;
import io.runnel.proto.v1.PartitionMetadata;
import io.runnel.proto.v1.TopicMetadata;
import io.runnel.record.Record;
import io.runnel.record.RecordBatch;
import java.io.Closeable;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Reads assigned partitions from their leaders (no consumer groups here). {@link #poll} long-polls
 * each leader for the partitions it leads, up to the timeout, and returns the records from each
 * partition's position on, checking every batch's CRC. A position outside the log is reset by
 * {@code auto.offset.reset}: earliest, latest, or none (then {@link OffsetOutOfRangeException}).
 *
 * <p>Not thread-safe: one thread uses a consumer, as with Kafka's.
 */
public final class RunnelConsumer implements Closeable {
    /** What to do when a position is not in the log. */
    public enum OffsetReset { EARLIEST, LATEST, NONE }

    private final Bootstrap bootstrap;
    private final OffsetReset reset;
    private final int fetchMaxBytes;
    private final Map<TopicPartition, Long> positions = new LinkedHashMap<>();
    private final Set<TopicPartition> paused = new HashSet<>();
    private MetadataResponse metadata = MetadataResponse.getDefaultInstance();

    public RunnelConsumer(String bootstrapServers, OffsetReset reset, int fetchMaxBytes) {
        if (fetchMaxBytes < 1) {
            throw new IllegalArgumentException("fetch.max.bytes must be >= 1, got " + fetchMaxBytes);
        }
        this.bootstrap = new Bootstrap(bootstrapServers);
        this.reset = reset;
        this.fetchMaxBytes = fetchMaxBytes;
    }

    /** Reads exactly these partitions from now on; new ones start per {@code auto.offset.reset}. */
    public void assign(Collection<TopicPartition> partitions) {
        positions.keySet().retainAll(partitions);
        paused.retainAll(partitions);
        for (TopicPartition tp : partitions) {
            positions.putIfAbsent(tp, -1L);
        }
        refreshMetadata();
        for (TopicPartition tp : partitions) {
            if (leader(tp) == null && findPartition(tp) == null) {
                throw new IllegalArgumentException("partition " + tp + " does not exist");
            }
        }
    }

    public Set<TopicPartition> assignment() {
        return Set.copyOf(positions.keySet());
    }

    /** @throws IllegalArgumentException for a partition not assigned or a negative offset */
    public void seek(TopicPartition tp, long offset) {
        requireAssigned(tp);
        if (offset < 0) {
            throw new IllegalArgumentException("offset must be >= 0, got " + offset);
        }
        positions.put(tp, offset);
    }

    public void seekToBeginning(Collection<TopicPartition> partitions) {
        partitions.forEach(tp -> positions.put(requireAssigned(tp), listOffset(tp, -2)));
    }

    public void seekToEnd(Collection<TopicPartition> partitions) {
        partitions.forEach(tp -> positions.put(requireAssigned(tp), listOffset(tp, -1)));
    }

    /** The offset of the next record poll will return for {@code tp}. */
    public long position(TopicPartition tp) {
        requireAssigned(tp);
        if (positions.get(tp) < 0) {
            positions.put(tp, resetPosition(tp));
        }
        return positions.get(tp);
    }

    /** The first offset at or after each timestamp, or -1 where no record is that recent. */
    public Map<TopicPartition, Long> offsetsForTimes(Map<TopicPartition, Long> timestamps) {
        Map<TopicPartition, Long> out = new HashMap<>();
        timestamps.forEach((tp, ts) -> {
            if (ts < 0) {
                throw new IllegalArgumentException("timestamp must be >= 0, got " + ts + " for " + tp);
            }
            out.put(tp, listOffset(tp, ts));
        });
        return out;
    }

    public void pause(Collection<TopicPartition> partitions) {
        partitions.forEach(tp -> paused.add(requireAssigned(tp)));
    }

    public void resume(Collection<TopicPartition> partitions) {
        paused.removeAll(partitions);
    }

    /**
     * Records from the assigned, unpaused partitions, waiting up to {@code timeout} for any.
     *
     * @throws OffsetOutOfRangeException with {@code auto.offset.reset=none} when a position is not in the log
     */
    public List<ConsumerRecord> poll(Duration timeout) {
        Map<Integer, List<TopicPartition>> byLeader = new HashMap<>();
        for (TopicPartition tp : positions.keySet()) {
            if (paused.contains(tp)) {
                continue;
            }
            position(tp);
            BrokerInfo leader = leader(tp);
            if (leader == null) {
                refreshMetadata();
                continue;
            }
            byLeader.computeIfAbsent(leader.getId(), id -> new ArrayList<>()).add(tp);
        }
        List<ConsumerRecord> out = new ArrayList<>();
        int waitMs = (int) Math.min(Integer.MAX_VALUE, Math.max(0, timeout.toMillis()));
        for (Map.Entry<Integer, List<TopicPartition>> e : byLeader.entrySet()) {
            // With several leaders only the first fetch waits: the rest answer with what they have.
            fetchFrom(e.getKey(), e.getValue(), out.isEmpty() && byLeader.size() == 1 ? waitMs : 0, out);
        }
        return out;
    }

    private void fetchFrom(int brokerId, List<TopicPartition> tps, int waitMs, List<ConsumerRecord> out) {
        BrokerInfo broker = metadata.getBrokersList().stream().filter(b -> b.getId() == brokerId).findFirst().orElse(null);
        if (broker == null) {
            refreshMetadata();
            return;
        }
        Map<String, FetchTopic.Builder> topics = new LinkedHashMap<>();
        for (TopicPartition tp : tps) {
            topics.computeIfAbsent(tp.topic(), t -> FetchTopic.newBuilder().setTopic(t)).addPartitions(FetchPartition.newBuilder()
                .setPartition(tp.partition()).setFetchOffset(positions.get(tp)).setCurrentLeaderEpoch(-1)
                .setPartitionMaxBytes(fetchMaxBytes));
        }
        FetchRequest.Builder request = FetchRequest.newBuilder().setMaxWaitMs(waitMs).setMinBytes(1).setMaxBytes(fetchMaxBytes);
        topics.values().forEach(request::addTopics);
        List<FetchTopicResponse> response;
        try {
            response = BrokerGrpc.newBlockingStub(bootstrap.channel(broker)).withDeadlineAfter(waitMs + 30_000L, TimeUnit.MILLISECONDS)
                .fetch(request.build()).getTopicsList();
        } catch (RuntimeException e) {
            refreshMetadata();
            return;
        }
        for (FetchTopicResponse t : response) {
            for (FetchPartitionResponse p : t.getPartitionsList()) {
                TopicPartition tp = new TopicPartition(t.getTopic(), p.getPartition());
                switch (p.getError()) {
                    case NONE -> decode(tp, p.getRecordBatches().asReadOnlyByteBuffer(), out);
                    case OFFSET_OUT_OF_RANGE -> {
                        if (reset == OffsetReset.NONE) {
                            throw new OffsetOutOfRangeException(tp, positions.get(tp));
                        }
                        positions.put(tp, resetPosition(tp));
                    }
                    default -> refreshMetadata();
                }
            }
        }
    }

    private void decode(TopicPartition tp, ByteBuffer batches, List<ConsumerRecord> out) {
        long position = positions.get(tp);
        RecordBatch batch = new RecordBatch();
        for (int at = 0; at < batches.limit(); ) {
            int size = RecordBatch.validateFraming(batches, at, batches.limit() - at, at);
            batch.wrap(batches, at, at);
            batch.validate();
            for (Record r : batch.records()) {
                if (r.offset() >= position) {
                    out.add(new ConsumerRecord(tp.topic(), tp.partition(), r.offset(), r.timestamp(), r.key(), r.value(), r.headers()));
                }
            }
            position = Math.max(position, batch.nextOffset());
            at += size;
        }
        positions.put(tp, position);
    }

    private long resetPosition(TopicPartition tp) {
        return switch (reset) {
            case EARLIEST -> listOffset(tp, -2);
            case LATEST -> listOffset(tp, -1);
            case NONE -> throw new OffsetOutOfRangeException(tp, positions.get(tp));
        };
    }

    private long listOffset(TopicPartition tp, long timestamp) {
        for (int attempt = 0; attempt < 3; attempt++) {
            BrokerInfo leader = leader(tp);
            if (leader != null) {
                var r = BrokerGrpc.newBlockingStub(bootstrap.channel(leader)).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .listOffsets(ListOffsetsRequest.newBuilder().addTopics(ListOffsetsTopic.newBuilder().setTopic(tp.topic())
                        .addPartitions(ListOffsetsPartition.newBuilder().setPartition(tp.partition()).setTimestamp(timestamp))).build())
                    .getTopics(0).getPartitions(0);
                if (r.getError() == ErrorCode.NONE) {
                    return r.getOffset();
                }
            }
            refreshMetadata();
        }
        throw new IllegalStateException("no leader of " + tp + " answered a list-offsets request");
    }

    private void refreshMetadata() {
        metadata = bootstrap.metadata(List.of());
    }

    private PartitionMetadata findPartition(TopicPartition tp) {
        for (TopicMetadata t : metadata.getTopicsList()) {
            if (t.getName().equals(tp.topic())) {
                for (PartitionMetadata p : t.getPartitionsList()) {
                    if (p.getPartition() == tp.partition()) {
                        return p;
                    }
                }
            }
        }
        return null;
    }

    private BrokerInfo leader(TopicPartition tp) {
        PartitionMetadata p = findPartition(tp);
        if (p == null || p.getLeaderId() < 0) {
            return null;
        }
        return metadata.getBrokersList().stream().filter(b -> b.getId() == p.getLeaderId()).findFirst().orElse(null);
    }

    private TopicPartition requireAssigned(TopicPartition tp) {
        if (!positions.containsKey(tp)) {
            throw new IllegalArgumentException("partition " + tp + " is not assigned to this consumer");
        }
        return tp;
    }

    @Override
    public void close() {
        bootstrap.close();
    }

    /** A position outside the log with {@code auto.offset.reset=none}. */
    public static final class OffsetOutOfRangeException extends RuntimeException {
        public OffsetOutOfRangeException(TopicPartition tp, long offset) {
            super("offset " + offset + " is outside the log of " + tp);
        }
    }
}
