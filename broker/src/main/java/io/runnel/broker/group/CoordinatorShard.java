package io.runnel.broker.group;

import com.google.protobuf.InvalidProtocolBufferException;
import io.runnel.broker.partition.TopicPartition;
import io.runnel.log.Log;
import io.runnel.log.LogReadInfo;
import io.runnel.proto.v1.GroupRecordKey;
import io.runnel.proto.v1.GroupRecordValue;
import io.runnel.proto.v1.MemberRecordValue;
import io.runnel.proto.v1.OffsetRecordValue;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The groups of one {@code __consumer_offsets} partition this broker leads, at one leader epoch.
 * Built by replaying the partition's log; serves requests once {@link #loaded}.
 *
 * <p>Thread-safety: callers hold the shard's monitor around every use of {@link #groups}.
 */
final class CoordinatorShard {
    private static final Logger log = LoggerFactory.getLogger(CoordinatorShard.class);

    final TopicPartition partition;
    final int leaderEpoch;
    final Map<String, ConsumerGroup> groups = new HashMap<>();
    volatile boolean loaded;
    volatile boolean closed;

    CoordinatorShard(TopicPartition partition, int leaderEpoch) {
        this.partition = partition;
        this.leaderEpoch = leaderEpoch;
    }

    /**
     * Replays the whole log into {@link #groups}: later records for a key replace earlier ones and
     * tombstones delete. Members get a fresh session from now, since heartbeats to the previous
     * coordinator were not recorded.
     */
    synchronized void load(Log replicaLog, Map<String, Integer> topics, long nowMs) {
        groups.clear();
        long offset = replicaLog.logStartOffset();
        long end = replicaLog.logEndOffset();
        int records = 0;
        while (offset < end) {
            LogReadInfo info = replicaLog.read(offset, 1 << 20, end, true);
            ByteBuffer batches = info.records().toByteBuffer();
            if (!batches.hasRemaining()) {
                break;
            }
            long next = GroupRecords.forEach(batches, offset, (key, value) -> replay(key, value, nowMs));
            if (next <= offset) {
                break;
            }
            records += (int) (next - offset);
            offset = next;
        }
        groups.values().forEach(g -> g.computeTarget(topics));
        loaded = true;
        log.info("Loaded {} groups from {} ({} offsets replayed, leader epoch {})", groups.size(), partition, records, leaderEpoch);
    }

    /** Applies one record; package-private so tests can replay what a group wrote. */
    void replay(GroupRecordKey key, byte[] value, long nowMs) {
        try {
            switch (key.getType()) {
                case OFFSET -> {
                    TopicPartition tp = new TopicPartition(key.getTopic(), key.getPartition());
                    if (value == null) {
                        ConsumerGroup g = groups.get(key.getGroupId());
                        if (g != null) {
                            g.offsets.remove(tp);
                        }
                    } else {
                        group(key.getGroupId(), nowMs).offsets.put(tp, OffsetRecordValue.parseFrom(value));
                    }
                }
                case GROUP -> {
                    if (value == null) {
                        groups.remove(key.getGroupId());
                    } else {
                        GroupRecordValue v = GroupRecordValue.parseFrom(value);
                        ConsumerGroup g = group(key.getGroupId(), nowMs);
                        g.epoch = v.getGroupEpoch();
                        g.assignor = v.getAssignor();
                        g.emptySinceMs = v.getEmptySinceMs();
                    }
                }
                case MEMBER -> {
                    if (value == null) {
                        ConsumerGroup g = groups.get(key.getGroupId());
                        if (g != null) {
                            g.members.remove(key.getMemberId());
                        }
                    } else {
                        group(key.getGroupId(), nowMs).members.put(key.getMemberId(),
                            GroupMember.fromRecord(key.getMemberId(), MemberRecordValue.parseFrom(value), nowMs));
                    }
                }
                default -> log.warn("Skipping a record of unknown type {} in {}", key.getType(), partition);
            }
        } catch (InvalidProtocolBufferException | IllegalArgumentException e) {
            log.warn("Skipping an unreadable {} record of group {} in {}: {}", key.getType(), key.getGroupId(), partition,
                e.getMessage());
        }
    }

    private ConsumerGroup group(String id, long nowMs) {
        return groups.computeIfAbsent(id, k -> new ConsumerGroup(k, "range", nowMs));
    }
}
