package io.runnel.broker.group;

import io.runnel.proto.v1.DeleteGroupResult;
import io.runnel.proto.v1.DeleteGroupsRequest;
import io.runnel.proto.v1.DeleteGroupsResponse;
import io.runnel.proto.v1.ErrorCode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * DeleteGroups on a coordinator (Kafka's DeleteGroups): a group without members loses its committed
 * offsets and itself, written as tombstones to its {@code __consumer_offsets} partition, so a
 * coordinator that loads the partition later (a failover, a restart) does not bring it back. A
 * group with members is refused (NON_EMPTY_GROUP): its members would commit again at once.
 *
 * <p>The group leaves the coordinator's memory before the tombstones are written, under the
 * shard's lock, so a member joining meanwhile starts a new group whose records follow the
 * tombstones in the log. If the append fails the answer says so (retriable); a coordinator that
 * then reloads the partition sees the group again and a retry deletes it.
 */
public final class GroupDeletion {
    private final GroupCoordinator coordinator;

    public GroupDeletion(GroupCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    /** Deletes each group asked for; one result per group, in order. */
    public CompletableFuture<DeleteGroupsResponse> delete(DeleteGroupsRequest request) {
        List<CompletableFuture<DeleteGroupResult>> results = new ArrayList<>();
        for (String groupId : request.getGroupIdsList()) {
            results.add(deleteOne(groupId));
        }
        return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).thenApply(done -> {
            DeleteGroupsResponse.Builder out = DeleteGroupsResponse.newBuilder();
            results.forEach(r -> out.addResults(r.join()));
            return out.build();
        });
    }

    private CompletableFuture<DeleteGroupResult> deleteOne(String groupId) {
        GroupCoordinator.Lookup lookup = coordinator.shardFor(groupId);
        if (lookup.shard() == null) {
            return result(groupId, lookup.error(), lookup.message());
        }
        CoordinatorShard shard = lookup.shard();
        List<GroupRecords.Entry> tombstones = new ArrayList<>();
        synchronized (shard) {
            if (shard.closed) {
                return result(groupId, ErrorCode.NOT_COORDINATOR, "the coordinator of group '" + groupId + "' moved; retry");
            }
            ConsumerGroup group = shard.groups.get(groupId);
            if (group == null) {
                return result(groupId, ErrorCode.GROUP_ID_NOT_FOUND, "group '" + groupId + "' does not exist");
            }
            if (!group.members.isEmpty()) {
                return result(groupId, ErrorCode.NON_EMPTY_GROUP, "group '" + groupId + "' has " + group.members.size()
                    + " member(s) " + group.members.keySet() + "; stop them (or wait for their sessions to expire) before deleting it");
            }
            group.offsets.keySet().forEach(tp -> tombstones.add(new GroupRecords.Entry(GroupRecords.offsetKey(groupId, tp), null)));
            tombstones.add(new GroupRecords.Entry(GroupRecords.groupKey(groupId), null));
            shard.groups.remove(groupId);
        }
        return coordinator.writeAt(shard, tombstones).thenApply(written -> written.code() == ErrorCode.NONE
            ? DeleteGroupResult.newBuilder().setGroupId(groupId).build()
            : DeleteGroupResult.newBuilder().setGroupId(groupId).setError(written.code())
                .setErrorMessage("the deletion of group '" + groupId + "' could not be stored; retry").build());
    }

    private static CompletableFuture<DeleteGroupResult> result(String groupId, ErrorCode error, String message) {
        return CompletableFuture.completedFuture(DeleteGroupResult.newBuilder().setGroupId(groupId).setError(error)
            .setErrorMessage(message).build());
    }
}
