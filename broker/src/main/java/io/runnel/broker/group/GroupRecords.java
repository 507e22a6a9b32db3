package io.runnel.broker.group;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import io.runnel.broker.partition.TopicPartition;
import io.runnel.proto.v1.GroupRecordKey;
import io.runnel.proto.v1.TopicPartitions;
import io.runnel.record.CompressionType;
import io.runnel.record.Record;
import io.runnel.record.RecordBatch;
import io.runnel.record.RecordBatchBuilder;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * The records of {@code __consumer_offsets}: a serialized {@link GroupRecordKey} as the key and the
 * value message for its type, or no value (a tombstone). See group.proto.
 */
final class GroupRecords {
    static final Comparator<TopicPartition> ORDER = Comparator.comparing(TopicPartition::topic)
        .thenComparingInt(TopicPartition::partition);

    private GroupRecords() {
    }

    /** A record to write: a key and its value, or null to delete the key. */
    record Entry(GroupRecordKey key, MessageLite value) {
    }

    static GroupRecordKey offsetKey(String group, TopicPartition tp) {
        return GroupRecordKey.newBuilder().setType(GroupRecordKey.Type.OFFSET).setGroupId(group).setTopic(tp.topic())
            .setPartition(tp.partition()).build();
    }

    static GroupRecordKey groupKey(String group) {
        return GroupRecordKey.newBuilder().setType(GroupRecordKey.Type.GROUP).setGroupId(group).build();
    }

    static GroupRecordKey memberKey(String group, String member) {
        return GroupRecordKey.newBuilder().setType(GroupRecordKey.Type.MEMBER).setGroupId(group).setMemberId(member).build();
    }

    /** One uncompressed batch of the entries, for one append. */
    static ByteBuffer batch(List<Entry> entries, long nowMs) {
        RecordBatchBuilder builder = new RecordBatchBuilder(CompressionType.NONE);
        for (Entry e : entries) {
            builder.append(nowMs, e.key().toByteArray(), e.value() == null ? null : e.value().toByteArray());
        }
        return builder.build();
    }

    /**
     * Feeds every record of whole batches in {@code batches} to {@code visitor} as (key, value bytes
     * or null). Records whose key does not parse are skipped: a foreign record must not stop a
     * coordinator from loading the groups around it.
     *
     * @return the offset after the last batch read
     */
    static long forEach(ByteBuffer batches, long from, BiConsumer<GroupRecordKey, byte[]> visitor) {
        long next = from;
        RecordBatch batch = new RecordBatch();
        for (int at = batches.position(); at + io.runnel.record.RecordBatchLayout.LOG_OVERHEAD <= batches.limit(); ) {
            batch.wrap(batches, at, at);
            int size = batch.sizeInBytes();
            if (size <= io.runnel.record.RecordBatchLayout.LOG_OVERHEAD || at + size > batches.limit()) {
                break;
            }
            for (Record r : batch.records()) {
                if (r.key() == null) {
                    continue;
                }
                try {
                    visitor.accept(GroupRecordKey.parseFrom(r.key()), r.value());
                } catch (InvalidProtocolBufferException e) {
                    org.slf4j.LoggerFactory.getLogger(GroupRecords.class).warn("Skipping a record at offset {} whose key is not a "
                        + "GroupRecordKey", r.offset());
                }
            }
            next = batch.nextOffset();
            at += size;
        }
        return next;
    }

    static List<TopicPartitions> toProto(Collection<TopicPartition> tps) {
        Map<String, TopicPartitions.Builder> byTopic = new LinkedHashMap<>();
        tps.stream().sorted(ORDER).forEach(tp -> byTopic.computeIfAbsent(tp.topic(), t -> TopicPartitions.newBuilder().setTopic(t))
            .addPartitions(tp.partition()));
        List<TopicPartitions> out = new ArrayList<>();
        byTopic.values().forEach(b -> out.add(b.build()));
        return out;
    }

    /** @throws IllegalArgumentException for a negative partition */
    static List<TopicPartition> fromProto(List<TopicPartitions> list) {
        List<TopicPartition> out = new ArrayList<>();
        for (TopicPartitions t : list) {
            for (int p : t.getPartitionsList()) {
                out.add(new TopicPartition(t.getTopic(), p));
            }
        }
        return out;
    }
}
