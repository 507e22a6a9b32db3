package io.runnel.broker.group;

import com.google.re2j.Pattern;
import io.runnel.broker.partition.TopicPartition;
import io.runnel.proto.v1.MemberRecordValue;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * One member of a consumer group as its coordinator sees it. {@code assigned} is what the member
 * may own; {@code revoking} what was taken from it but not yet reported released. A partition in
 * either set belongs to this member and to no other.
 *
 * <p>Not thread-safe: its group's lock guards it.
 */
final class GroupMember {
    final String id;
    String clientId;
    int epoch;
    int previousEpoch;
    List<String> topics;
    String regex;
    Pattern pattern;
    int sessionTimeoutMs;
    final Set<TopicPartition> assigned = new TreeSet<>(GroupRecords.ORDER);
    final Set<TopicPartition> revoking = new TreeSet<>(GroupRecords.ORDER);
    long deadlineMs;
    /** The assignment changed since the member's last heartbeat answer; not persisted. */
    boolean epochDue;
    /**
     * Per revoking partition, the member epoch of the answer that told the member, or MAX_VALUE
     * while untold: only a heartbeat at that epoch or later, not listing it, releases it.
     */
    final Map<TopicPartition, Integer> revokedAt = new java.util.HashMap<>();

    GroupMember(String id) {
        this.id = id;
    }

    /** Whether the member owns {@code tp} now, or did until a revocation it has not confirmed. */
    boolean holds(TopicPartition tp) {
        return assigned.contains(tp) || revoking.contains(tp);
    }

    /** The topics of {@code all} this member subscribes to, by name or by its pattern. */
    Set<String> subscribedAmong(Set<String> all) {
        Set<String> out = new TreeSet<>();
        if (pattern != null) {
            for (String topic : all) {
                if (!topic.startsWith("__") && pattern.matcher(topic).matches()) {
                    out.add(topic);
                }
            }
        } else {
            out.addAll(topics);
        }
        return out;
    }

    MemberRecordValue toRecord() {
        return MemberRecordValue.newBuilder().setMemberEpoch(epoch).setPreviousEpoch(previousEpoch).addAllSubscribedTopics(topics)
            .setSubscribedTopicRegex(regex).setSessionTimeoutMs(sessionTimeoutMs).setClientId(clientId)
            .addAllAssignment(GroupRecords.toProto(assigned)).addAllRevoking(GroupRecords.toProto(revoking)).build();
    }

    static GroupMember fromRecord(String id, MemberRecordValue value, long nowMs) {
        GroupMember m = new GroupMember(id);
        m.epoch = value.getMemberEpoch();
        m.previousEpoch = value.getPreviousEpoch();
        m.topics = List.copyOf(value.getSubscribedTopicsList());
        m.regex = value.getSubscribedTopicRegex();
        m.pattern = m.regex.isEmpty() ? null : SubscriptionRegex.compileStored(m.regex);
        m.sessionTimeoutMs = value.getSessionTimeoutMs();
        m.clientId = value.getClientId();
        m.assigned.addAll(GroupRecords.fromProto(value.getAssignmentList()));
        m.revoking.addAll(GroupRecords.fromProto(value.getRevokingList()));
        // Whether the member heard of these revocations is not recorded: tell it again first.
        m.revoking.forEach(tp -> m.revokedAt.put(tp, Integer.MAX_VALUE));
        m.epochDue = !m.revoking.isEmpty();
        m.deadlineMs = nowMs + m.sessionTimeoutMs;
        return m;
    }

    /** Whether a heartbeat's subscription differs from this member's. */
    boolean subscriptionDiffers(List<String> newTopics, String newRegex) {
        return !Set.copyOf(topics).equals(Set.copyOf(newTopics)) || !regex.equals(newRegex);
    }

    @Override
    public String toString() {
        return id + "@" + epoch + Map.of("assigned", assigned, "revoking", revoking);
    }
}
