package io.runnel.broker.group;

import com.google.re2j.Pattern;
import io.runnel.broker.partition.TopicPartition;
import io.runnel.proto.v1.GroupRecordValue;
import io.runnel.proto.v1.OffsetRecordValue;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The state of one consumer group on its coordinator, and the rules that change it: membership,
 * target assignment, reconciliation (revoke first, hand over only released partitions) and
 * committed offsets. Pure logic: each change returns the records that make it durable, which the
 * coordinator appends to {@code __consumer_offsets}; replaying them rebuilds the same state.
 *
 * <p>Not thread-safe: the coordinator holds the group's lock around every call.
 */
final class ConsumerGroup {
    final String id;
    int epoch;
    String assignor;
    long emptySinceMs;
    final Map<String, GroupMember> members = new TreeMap<>();
    final Map<TopicPartition, OffsetRecordValue> offsets = new HashMap<>();
    /**
     * Where in the offsets partition each offset in {@link #offsets} was written, so a commit that
     * completes replication late never replaces a newer one. Absent for offsets loaded by replay.
     */
    final Map<TopicPartition, Long> offsetWrittenAt = new HashMap<>();
    /** Member id to the partitions the assignor gave it at the current epoch. */
    private Map<String, Set<TopicPartition>> target = Map.of();
    /** Partition counts of the subscribed topics the target was computed from. */
    private Map<String, Integer> targetTopics = Map.of();

    ConsumerGroup(String id, String assignor, long nowMs) {
        this.id = id;
        this.assignor = assignor;
        this.emptySinceMs = nowMs;
    }

    // ---------------------------------------------------------------- membership

    /** Adds a member with a fresh state (a rejoin drops whatever the id held before). */
    void join(GroupMember member, Map<String, Integer> topics, long nowMs, List<GroupRecords.Entry> out) {
        members.remove(member.id);
        members.put(member.id, member);
        emptySinceMs = -1;
        bumpEpoch(topics, out);
        // A member with no partitions yet still needs a non-zero epoch: 0 in a heartbeat means join.
        member.epoch = epoch;
        member.previousEpoch = epoch;
        out.add(memberEntry(member));
    }

    /** Removes a member (left, or its session expired); its partitions are free at once. */
    void remove(String memberId, Map<String, Integer> topics, long nowMs, List<GroupRecords.Entry> out) {
        if (members.remove(memberId) == null) {
            return;
        }
        out.add(new GroupRecords.Entry(GroupRecords.memberKey(id, memberId), null));
        if (members.isEmpty()) {
            emptySinceMs = nowMs;
        }
        bumpEpoch(topics, out);
    }

    /** A member's new subscription ({@code pattern} compiled from {@code regex}, or null); the assignment is recomputed. */
    void resubscribe(GroupMember member, List<String> topicNames, String regex, Pattern pattern, Map<String, Integer> topics,
                     List<GroupRecords.Entry> out) {
        member.topics = List.copyOf(topicNames);
        member.regex = regex;
        member.pattern = pattern;
        bumpEpoch(topics, out);
        out.add(memberEntry(member));
    }

    /**
     * The member reports what it owns: revocations it has carried out complete, which may free
     * partitions for others.
     */
    void owned(GroupMember member, Set<TopicPartition> owned, int requestEpoch, List<GroupRecords.Entry> out) {
        // A report counts only for revocations the member had been told of when it sent it: a
        // member that has not yet taken a partition does not list it, yet may be about to.
        boolean released = member.revoking.removeIf(tp -> !owned.contains(tp)
            && requestEpoch >= member.revokedAt.getOrDefault(tp, Integer.MAX_VALUE));
        if (released) {
            member.revokedAt.keySet().retainAll(member.revoking);
            out.add(memberEntry(member));
        }
    }

    /** Recomputes the target if the subscribed topics' partitions changed (a new topic, more partitions). */
    void onTopics(Map<String, Integer> topics, List<GroupRecords.Entry> out) {
        if (!members.isEmpty() && !subscribedCounts(topics).equals(targetTopics)) {
            bumpEpoch(topics, out);
        }
    }

    private void bumpEpoch(Map<String, Integer> topics, List<GroupRecords.Entry> out) {
        epoch++;
        computeTarget(topics);
        out.add(groupEntry());
    }

    /** Rebuilds the target after a replay, when no epoch bump is due. */
    void computeTarget(Map<String, Integer> topics) {
        targetTopics = subscribedCounts(topics);
        Map<String, Set<String>> subscriptions = new TreeMap<>();
        Map<String, List<TopicPartition>> current = new TreeMap<>();
        for (GroupMember m : members.values()) {
            subscriptions.put(m.id, m.subscribedAmong(topics.keySet()));
            current.put(m.id, new ArrayList<>(m.assigned));
        }
        Map<String, Set<TopicPartition>> next = new HashMap<>();
        Assignor.forName(assignor).assign(subscriptions, targetTopics, current)
            .forEach((member, tps) -> next.put(member, new HashSet<>(tps)));
        target = next;
    }

    private Map<String, Integer> subscribedCounts(Map<String, Integer> topics) {
        Map<String, Integer> out = new TreeMap<>();
        for (GroupMember m : members.values()) {
            for (String t : m.subscribedAmong(topics.keySet())) {
                Integer count = topics.get(t);
                if (count != null) {
                    out.put(t, count);
                }
            }
        }
        return out;
    }

    /**
     * Moves every member toward its target: first takes away what it should no longer own (into
     * {@code revoking} until the member confirms), then hands it target partitions that no other
     * member holds. A member whose assignment changes moves to the group epoch.
     */
    void reconcile(List<GroupRecords.Entry> out) {
        Map<TopicPartition, String> holder = new HashMap<>();
        for (GroupMember m : members.values()) {
            for (TopicPartition tp : m.assigned) {
                checkSingleOwner(holder.put(tp, m.id), m.id, tp);
            }
            for (TopicPartition tp : m.revoking) {
                String other = holder.put(tp, m.id);
                checkSingleOwner(other, m.id, tp);
            }
        }
        for (GroupMember m : members.values()) {
            Set<TopicPartition> goal = target.getOrDefault(m.id, Set.of());
            boolean changed = false;
            for (TopicPartition tp : List.copyOf(m.assigned)) {
                if (!goal.contains(tp)) {
                    m.assigned.remove(tp);
                    m.revoking.add(tp);
                    m.revokedAt.put(tp, Integer.MAX_VALUE);
                    changed = true;
                }
            }
            for (TopicPartition tp : goal) {
                if (m.assigned.contains(tp)) {
                    continue;
                }
                String owner = holder.get(tp);
                if (owner == null || (owner.equals(m.id) && m.revoking.remove(tp) && m.revokedAt.remove(tp) != null)) {
                    m.assigned.add(tp);
                    holder.put(tp, m.id);
                    changed = true;
                }
            }
            if (changed) {
                // The member learns of the change, and moves to the group epoch, in its own next
                // heartbeat; moving it now would fence it for changes it has not seen.
                m.epochDue = true;
                out.add(memberEntry(m));
            }
        }
    }

    /** The invariant everything here protects: a partition is held by one member at most. */
    private void checkSingleOwner(String other, String member, TopicPartition tp) {
        if (other != null && !other.equals(member)) {
            throw new IllegalStateException("group '" + id + "': " + tp + " is held by both " + other + " and " + member);
        }
    }

    /**
     * Before answering a member's heartbeat: if its assignment changed since its last answer, it
     * moves to the group epoch (keeping the one it had as previous, for requests in flight).
     */
    void advanceEpoch(GroupMember m, List<GroupRecords.Entry> out) {
        if (m.epochDue) {
            m.previousEpoch = m.epoch;
            // Every answer that changes the assignment carries a new epoch, so a later report can
            // say which answers the member had seen.
            m.epoch = Math.max(epoch, m.epoch + 1);
            m.revokedAt.replaceAll((tp, at) -> at == Integer.MAX_VALUE ? m.epoch : at);
            out.add(memberEntry(m));
        }
        m.epochDue = false;
    }

    /** Whether every member owns exactly its target and nothing is being revoked. */
    boolean isStable() {
        for (GroupMember m : members.values()) {
            if (!m.revoking.isEmpty() || !m.assigned.equals(target.getOrDefault(m.id, Set.of()))) {
                return false;
            }
        }
        return true;
    }

    String state() {
        return members.isEmpty() ? "EMPTY" : isStable() ? "STABLE" : "RECONCILING";
    }

    Set<TopicPartition> target(String memberId) {
        Set<TopicPartition> out = new TreeSet<>(GroupRecords.ORDER);
        out.addAll(target.getOrDefault(memberId, Set.of()));
        return out;
    }

    // ---------------------------------------------------------------- offsets

    /** Deletes offsets of topics that no longer exist. */
    void dropOffsetsOfDeletedTopics(Set<String> liveTopics, List<GroupRecords.Entry> out) {
        for (TopicPartition tp : List.copyOf(offsets.keySet())) {
            if (!liveTopics.contains(tp.topic())) {
                offsets.remove(tp);
                offsetWrittenAt.remove(tp);
                out.add(new GroupRecords.Entry(GroupRecords.offsetKey(id, tp), null));
            }
        }
    }

    /**
     * Expires members whose session ran out, and, for a group empty longer than the retention, its
     * offsets and the group itself.
     *
     * @return whether the group is gone
     */
    boolean expire(long nowMs, long offsetsRetentionMs, Map<String, Integer> topics, List<GroupRecords.Entry> out) {
        for (GroupMember m : List.copyOf(members.values())) {
            if (m.deadlineMs < nowMs) {
                remove(m.id, topics, nowMs, out);
            }
        }
        if (members.isEmpty() && emptySinceMs >= 0 && nowMs - emptySinceMs > offsetsRetentionMs) {
            offsets.keySet().forEach(tp -> out.add(new GroupRecords.Entry(GroupRecords.offsetKey(id, tp), null)));
            offsets.clear();
            offsetWrittenAt.clear();
            out.add(new GroupRecords.Entry(GroupRecords.groupKey(id), null));
            return true;
        }
        return false;
    }

    // ---------------------------------------------------------------- records

    GroupRecords.Entry groupEntry() {
        return new GroupRecords.Entry(GroupRecords.groupKey(id), GroupRecordValue.newBuilder().setGroupEpoch(epoch)
            .setAssignor(assignor).setEmptySinceMs(emptySinceMs).build());
    }

    GroupRecords.Entry memberEntry(GroupMember m) {
        return new GroupRecords.Entry(GroupRecords.memberKey(id, m.id), m.toRecord());
    }
}
