package io.runnel.broker.group;

import io.runnel.broker.partition.TopicPartition;
import io.runnel.proto.v1.CommittedOffset;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.OffsetCommitPartition;
import io.runnel.proto.v1.OffsetCommitPartitionResponse;
import io.runnel.proto.v1.OffsetCommitRequest;
import io.runnel.proto.v1.OffsetCommitResponse;
import io.runnel.proto.v1.OffsetCommitTopic;
import io.runnel.proto.v1.OffsetCommitTopicResponse;
import io.runnel.proto.v1.OffsetFetchRequest;
import io.runnel.proto.v1.OffsetFetchResponse;
import io.runnel.proto.v1.OffsetRecordValue;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Offset commit and fetch on a coordinator. A member may commit only the partitions it holds, with
 * its current or previous epoch; an administrator (no member id) only to a group without members.
 * Offsets become visible to fetches, and the commit is answered, once the ISR has them.
 */
public final class GroupOffsets {
    static final int MAX_METADATA_LENGTH = 4096;

    private final GroupCoordinator coordinator;
    private final Clock clock;

    public GroupOffsets(GroupCoordinator coordinator, Clock clock) {
        this.coordinator = coordinator;
        this.clock = clock;
    }

    /** Stores offsets; see group.proto for the errors. */
    public CompletableFuture<OffsetCommitResponse> commit(OffsetCommitRequest request) {
        GroupCoordinator.Lookup lookup = coordinator.shardFor(request.getGroupId());
        if (lookup.shard() == null) {
            return CompletableFuture.completedFuture(failAll(request, lookup.error(), lookup.message()));
        }
        CoordinatorShard shard = lookup.shard();
        synchronized (shard) {
            if (shard.closed) {
                return CompletableFuture.completedFuture(failAll(request, ErrorCode.NOT_COORDINATOR, "coordinator moved"));
            }
            long now = clock.millis();
            ConsumerGroup group = shard.groups.get(request.getGroupId());
            GroupMember member = null;
            if (request.getMemberId().isEmpty()) {
                if (group != null && !group.members.isEmpty()) {
                    return CompletableFuture.completedFuture(failAll(request, ErrorCode.NON_EMPTY_GROUP, "group '"
                        + request.getGroupId() + "' has " + group.members.size() + " members; stop them before setting its offsets"));
                }
            } else {
                member = group == null ? null : group.members.get(request.getMemberId());
                if (member == null) {
                    return CompletableFuture.completedFuture(failAll(request, ErrorCode.UNKNOWN_MEMBER_ID, "member "
                        + request.getMemberId() + " is not in group '" + request.getGroupId() + "'"));
                }
                if (request.getMemberEpoch() != member.epoch && request.getMemberEpoch() != member.previousEpoch) {
                    return CompletableFuture.completedFuture(failAll(request, ErrorCode.STALE_MEMBER_EPOCH, "member epoch "
                        + request.getMemberEpoch() + " is not the member's current epoch " + member.epoch));
                }
            }
            List<GroupRecords.Entry> out = new ArrayList<>();
            Map<TopicPartition, OffsetRecordValue> accepted = new java.util.LinkedHashMap<>();
            OffsetCommitResponse.Builder response = OffsetCommitResponse.newBuilder();
            Map<String, Integer> topics = coordinator.topics();
            // A group is created by its first accepted offset, not by a commit refused everywhere.
            ConsumerGroup created = null;
            if (group == null) {
                created = new ConsumerGroup(request.getGroupId(), "range", now);
                group = created;
                out.add(group.groupEntry());
            }
            for (OffsetCommitTopic t : request.getTopicsList()) {
                OffsetCommitTopicResponse.Builder tr = OffsetCommitTopicResponse.newBuilder().setTopic(t.getTopic());
                for (OffsetCommitPartition p : t.getPartitionsList()) {
                    OffsetCommitPartitionResponse.Builder pr = OffsetCommitPartitionResponse.newBuilder().setPartition(p.getPartition());
                    Integer count = topics.get(t.getTopic());
                    if (count == null || p.getPartition() < 0 || p.getPartition() >= count) {
                        pr.setError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION).setErrorMessage(t.getTopic() + "-" + p.getPartition()
                            + " does not exist");
                    } else if (p.getOffset() < 0) {
                        pr.setError(ErrorCode.INVALID_REQUEST).setErrorMessage("offset must be >= 0, got " + p.getOffset());
                    } else if (p.getMetadata().length() > MAX_METADATA_LENGTH) {
                        pr.setError(ErrorCode.INVALID_REQUEST).setErrorMessage("metadata is " + p.getMetadata().length()
                            + " characters, over the limit of " + MAX_METADATA_LENGTH);
                    } else if (member != null && !member.holds(new TopicPartition(t.getTopic(), p.getPartition()))) {
                        pr.setError(ErrorCode.STALE_MEMBER_EPOCH).setErrorMessage(t.getTopic() + "-" + p.getPartition()
                            + " is not owned by member " + member.id);
                    } else {
                        TopicPartition tp = new TopicPartition(t.getTopic(), p.getPartition());
                        OffsetRecordValue value = OffsetRecordValue.newBuilder().setOffset(p.getOffset())
                            .setMetadata(p.getMetadata()).setCommitTimestampMs(now).build();
                        accepted.put(tp, value);
                        out.add(new GroupRecords.Entry(GroupRecords.offsetKey(group.id, tp), value));
                    }
                    tr.addPartitions(pr);
                }
                response.addTopics(tr);
            }
            if (created != null) {
                if (out.size() == 1) {
                    out.clear();
                } else {
                    shard.groups.put(created.id, created);
                }
            }
            OffsetCommitResponse built = response.build();
            ConsumerGroup target = group;
            // Offsets become visible once replicated, as Kafka keeps them pending: a fetch never
            // returns an offset that a coordinator failover could still lose.
            return coordinator.writeAt(shard, out).thenApply(written -> {
                if (written.code() != ErrorCode.NONE) {
                    return failAll(request, written.code(), "the offsets could not be stored; retry");
                }
                synchronized (shard) {
                    if (!shard.closed && shard.groups.get(target.id) == target) {
                        accepted.forEach((tp, value) -> {
                            Long at = target.offsetWrittenAt.get(tp);
                            if (at == null || at < written.baseOffset()) {
                                target.offsets.put(tp, value);
                                target.offsetWrittenAt.put(tp, written.baseOffset());
                            }
                        });
                    }
                }
                return built;
            });
        }
    }

    private static OffsetCommitResponse failAll(OffsetCommitRequest request, ErrorCode code, String message) {
        OffsetCommitResponse.Builder out = OffsetCommitResponse.newBuilder().setError(code).setErrorMessage(message);
        for (OffsetCommitTopic t : request.getTopicsList()) {
            OffsetCommitTopicResponse.Builder tr = OffsetCommitTopicResponse.newBuilder().setTopic(t.getTopic());
            t.getPartitionsList().forEach(p -> tr.addPartitions(OffsetCommitPartitionResponse.newBuilder()
                .setPartition(p.getPartition()).setError(code).setErrorMessage(message)));
            out.addTopics(tr);
        }
        return out.build();
    }

    /** Committed offsets of the asked partitions (all the group has, if none are named). */
    public OffsetFetchResponse fetch(OffsetFetchRequest request) {
        GroupCoordinator.Lookup lookup = coordinator.shardFor(request.getGroupId());
        if (lookup.shard() == null) {
            return OffsetFetchResponse.newBuilder().setError(lookup.error()).setErrorMessage(lookup.message()).build();
        }
        synchronized (lookup.shard()) {
            ConsumerGroup group = lookup.shard().groups.get(request.getGroupId());
            Map<TopicPartition, OffsetRecordValue> offsets = group == null ? Map.of() : group.offsets;
            OffsetFetchResponse.Builder out = OffsetFetchResponse.newBuilder();
            List<TopicPartition> asked = request.getPartitionsCount() == 0
                ? offsets.keySet().stream().sorted(GroupRecords.ORDER).toList()
                : GroupRecords.fromProto(request.getPartitionsList());
            for (TopicPartition tp : asked) {
                out.addOffsets(committed(tp, offsets.get(tp)));
            }
            return out.build();
        }
    }

    static CommittedOffset committed(TopicPartition tp, OffsetRecordValue value) {
        CommittedOffset.Builder b = CommittedOffset.newBuilder().setTopic(tp.topic()).setPartition(tp.partition());
        return value == null ? b.setOffset(-1).build() : b.setOffset(value.getOffset()).setMetadata(value.getMetadata())
            .setCommitTimestampMs(value.getCommitTimestampMs()).build();
    }
}
