package io.runnel.broker.group;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runnel.broker.partition.TopicPartition;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The group rules without I/O: join, reconcile (revoke before reassign), release, expiry, replay. */
class ConsumerGroupTest {
    private static final Map<String, Integer> TOPICS = Map.of("t", 12);
    private final List<GroupRecords.Entry> out = new ArrayList<>();

    private static GroupMember member(String id, long now) {
        GroupMember m = new GroupMember(id);
        m.clientId = "";
        m.topics = List.of("t");
        m.regex = "";
        m.sessionTimeoutMs = 1000;
        m.deadlineMs = now + 1000;
        return m;
    }

    private static Set<Integer> partitions(Set<TopicPartition> tps) {
        Set<Integer> out = new TreeSet<>();
        tps.forEach(tp -> out.add(tp.partition()));
        return out;
    }

    /** Members confirm what they were told, until nothing changes: a well-behaved client. */
    private static void settle(ConsumerGroup g, List<GroupRecords.Entry> out) {
        for (int round = 0; round < 10 && !g.isStable(); round++) {
            for (GroupMember m : g.members.values()) {
                g.advanceEpoch(m, out); // the answer the member acts on
                g.owned(m, new HashSet<>(m.assigned), m.epoch, out);
            }
            g.reconcile(out);
            assertNoDoubleOwner(g);
        }
        assertTrue(g.isStable(), "group did not settle: " + g.members);
    }

    private static void assertNoDoubleOwner(ConsumerGroup g) {
        Set<TopicPartition> seen = new HashSet<>();
        for (GroupMember m : g.members.values()) {
            for (TopicPartition tp : m.assigned) {
                assertTrue(seen.add(tp), tp + " held twice");
            }
            for (TopicPartition tp : m.revoking) {
                assertTrue(seen.add(tp), tp + " held twice");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"range", "roundrobin", "sticky"})
    void threeMembers_twelvePartitions_fourEach_noneTwice(String assignor) {
        ConsumerGroup g = new ConsumerGroup("g", assignor, 0);
        for (String id : List.of("a", "b", "c")) {
            g.join(member(id, 0), TOPICS, 0, out);
            g.reconcile(out);
            assertNoDoubleOwner(g);
        }
        settle(g, out);
        Set<Integer> all = new TreeSet<>();
        for (GroupMember m : g.members.values()) {
            assertEquals(4, m.assigned.size(), m.toString());
            all.addAll(partitions(m.assigned));
        }
        assertEquals(12, all.size());
        if (assignor.equals("range")) {
            assertEquals(Set.of(0, 1, 2, 3), partitions(g.members.get("a").assigned));
            assertEquals(Set.of(8, 9, 10, 11), partitions(g.members.get("c").assigned));
        }
        if (assignor.equals("roundrobin")) {
            assertEquals(Set.of(0, 3, 6, 9), partitions(g.members.get("a").assigned));
        }
    }

    @Test
    void newMember_getsPartitionsOnlyAfterTheOwnerReleasesThem() {
        ConsumerGroup g = new ConsumerGroup("g", "range", 0);
        g.join(member("a", 0), TOPICS, 0, out);
        g.reconcile(out);
        assertEquals(12, g.members.get("a").assigned.size());
        int epochBefore = g.members.get("a").epoch;

        g.join(member("b", 0), TOPICS, 0, out);
        g.reconcile(out);
        GroupMember a = g.members.get("a");
        GroupMember b = g.members.get("b");
        assertEquals(Set.of(0, 1, 2, 3, 4, 5), partitions(a.assigned));
        assertEquals(Set.of(6, 7, 8, 9, 10, 11), partitions(a.revoking), "taken from a, not yet released");
        assertTrue(b.assigned.isEmpty(), "b must wait for a's release");
        assertEquals(epochBefore, a.epoch, "a moves to the new epoch only when told, in its heartbeat");
        g.advanceEpoch(a, out);
        assertTrue(a.epoch > epochBefore);
        assertEquals(epochBefore, a.previousEpoch, "requests a sent before the answer still count");
        assertTrue(b.epoch > 0, "a member without partitions still has a non-zero epoch");

        // a releases two of them only: b gets exactly those.
        Set<TopicPartition> stillOwned = new HashSet<>(a.assigned);
        a.revoking.stream().filter(tp -> tp.partition() >= 8).forEach(stillOwned::add);
        g.owned(a, stillOwned, epochBefore, out);
        g.reconcile(out);
        assertTrue(b.assigned.isEmpty(), "a report sent before a heard of the revocation releases nothing");
        g.owned(a, stillOwned, a.epoch, out);
        g.reconcile(out);
        assertEquals(Set.of(6, 7), partitions(b.assigned));
        settle(g, out);
        assertEquals(Set.of(6, 7, 8, 9, 10, 11), partitions(b.assigned));
    }

    @Test
    void expiredMember_releasesAtOnce_andEmptyGroupOffsetsExpireAfterRetention() {
        ConsumerGroup g = new ConsumerGroup("g", "range", 0);
        g.join(member("a", 0), TOPICS, 0, out);
        g.join(member("b", 500), TOPICS, 500, out);
        settle(g, out);
        assertFalse(g.expire(1200, 10_000, TOPICS, out), "a expired, the group lives on");
        assertFalse(g.members.containsKey("a"));
        g.reconcile(out);
        assertEquals(12, g.members.get("b").assigned.size(), "a's partitions move without waiting for it");

        g.offsets.put(new TopicPartition("t", 0), io.runnel.proto.v1.OffsetRecordValue.newBuilder().setOffset(5).build());
        assertFalse(g.expire(1600, 10_000, TOPICS, out), "b expired; offsets kept while retention runs");
        assertEquals("EMPTY", g.state());
        assertEquals(1, g.offsets.size());
        out.clear();
        assertTrue(g.expire(1600 + 10_001, 10_000, TOPICS, out));
        assertTrue(g.offsets.isEmpty());
        assertTrue(out.stream().allMatch(e -> e.value() == null), "tombstones only");
    }

    @Test
    void replayingTheRecords_rebuildsTheSameGroup() {
        ConsumerGroup g = new ConsumerGroup("g", "sticky", 0);
        g.join(member("a", 0), TOPICS, 0, out);
        g.join(member("b", 0), TOPICS, 0, out);
        g.reconcile(out);
        g.advanceEpoch(g.members.get("a"), out);
        g.owned(g.members.get("a"), Set.copyOf(g.members.get("a").assigned), g.members.get("a").epoch, out);
        g.reconcile(out);
        CoordinatorShard shard = new CoordinatorShard(new TopicPartition(GroupSettings.OFFSETS_TOPIC, 0), 0);
        java.nio.ByteBuffer batch = GroupRecords.batch(out, 0);
        GroupRecords.forEach(batch, 0, (key, value) -> shard.replay(key, value, 0L));
        ConsumerGroup copy = shard.groups.get("g");
        assertEquals(g.epoch, copy.epoch);
        assertEquals("sticky", copy.assignor);
        for (String id : List.of("a", "b")) {
            assertEquals(g.members.get(id).assigned, copy.members.get(id).assigned);
            assertEquals(g.members.get(id).revoking, copy.members.get(id).revoking);
            assertEquals(g.members.get(id).epoch, copy.members.get(id).epoch);
        }
    }

    @Test
    void newTopicMatchingAPattern_isAssigned() {
        ConsumerGroup g = new ConsumerGroup("g", "range", 0);
        GroupMember m = member("a", 0);
        m.topics = List.of();
        m.regex = "orders-.*";
        m.pattern = SubscriptionRegex.compile(m.regex, 100);
        g.join(m, Map.of("orders-eu", 2, "other", 3), 0, out);
        g.reconcile(out);
        assertEquals(2, m.assigned.size());
        g.onTopics(Map.of("orders-eu", 2, "orders-us", 1, "other", 3), out);
        g.reconcile(out);
        assertEquals(3, m.assigned.size());
        assertTrue(m.assigned.contains(new TopicPartition("orders-us", 0)));
    }

    @Test
    void offsetsOfADeletedTopic_areDeletedWithTombstones() {
        ConsumerGroup g = new ConsumerGroup("g", "range", 0);
        g.offsets.put(new TopicPartition("t", 0), io.runnel.proto.v1.OffsetRecordValue.newBuilder().setOffset(1).build());
        g.offsets.put(new TopicPartition("gone", 0), io.runnel.proto.v1.OffsetRecordValue.newBuilder().setOffset(2).build());
        g.dropOffsetsOfDeletedTopics(Set.of("t"), out);
        assertEquals(Set.of(new TopicPartition("t", 0)), g.offsets.keySet());
        assertEquals(1, out.size());
        assertEquals("gone", out.get(0).key().getTopic());
        assertEquals(null, out.get(0).value());
    }
}
