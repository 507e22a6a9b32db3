package io.runnel.broker.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.runnel.log.testing.SmallFileSystem;
import io.runnel.metadata.image.PartitionInfo;
import io.runnel.proto.v1.ErrorCode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14 item 8: the disk under a partition leader's log fills up. Real three-node cluster; each
 * node's directory of the test partition is a small tmpfs ({@link SmallFileSystem}), so only that
 * log (not the Raft state) finds its disk full. The leader answers KAFKA_STORAGE_ERROR (not an
 * unknown error), takes its log directory offline and tells the controller, which fences it and
 * moves leadership to another in-sync replica, where producing goes on; restarted with room again,
 * the broker recovers its log and rejoins the ISR with every acknowledged record.
 */
class OfflineLogDirTest {
    private static final String TOPIC = "full";

    @TempDir
    java.nio.file.Path tmp;
    private TestCluster cluster;
    private final Map<Integer, SmallFileSystem> disks = new HashMap<>();

    @AfterEach
    void tearDown() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
        for (SmallFileSystem disk : disks.values()) {
            disk.release();
            disk.close();
        }
    }

    private PartitionInfo partition(int asker) {
        return cluster.node(asker).controllerClient().image().topics().get(TOPIC).partitions().get(0);
    }

    @Test
    void aFullDiskUnderTheLeader_takesItsLogDirOffline_andLeadershipMovesToAnInSyncReplica() throws Exception {
        cluster = TestCluster.start(tmp, 3, Map.of());
        for (int id = 1; id <= 3; id++) {
            disks.put(id, SmallFileSystem.mount(cluster.dataDir(id).resolve(TOPIC + "-0"), "size=1m"));
        }
        cluster.createTopic(TOPIC, 1, 3, Map.of("min.insync.replicas", "2"));
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> partition(1).isr().size() == 3
            && cluster.node(partition(1).leader()).replicaManager().partition(new io.runnel.broker.partition.TopicPartition(TOPIC, 0))
                .map(io.runnel.broker.partition.Partition::isLeader).orElse(false));
        int leader = partition(1).leader();
        int witness = leader == 1 ? 2 : 1;
        Records records = new Records(cluster);
        List<String> acked = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            assertEquals(ErrorCode.NONE, records.produceAcksAll(leader, TOPIC, "r" + i));
            acked.add("r" + i);
        }

        disks.get(leader).fill();
        // More than what is left of the log file's last page: the write meets the full disk.
        ErrorCode answer = records.produceAcksAll(leader, TOPIC, "big" + "x".repeat(64 * 1024));
        assertEquals(ErrorCode.KAFKA_STORAGE_ERROR, answer);

        // The controller fences the broker and moves leadership to an in-sync replica.
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> partition(witness).leader() != leader
            && partition(witness).leader() >= 0 && !partition(witness).isr().contains(leader)
            && cluster.node(witness).controllerClient().image().brokers().get(leader).fenced());
        int newLeader = partition(witness).leader();
        Awaitility.await().atMost(Duration.ofSeconds(20)).ignoreExceptions()
            .until(() -> records.produceAcksAll(newLeader, TOPIC, "after") == ErrorCode.NONE);
        acked.add("after");
        // The offline broker stays out of every ISR while it runs (it says so in each heartbeat).
        assertNotEquals(leader, partition(witness).leader());

        // Restarted with room on its disk, it recovers its log and catches up.
        cluster.halt(leader);
        disks.get(leader).release();
        cluster.restart(leader);
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> partition(witness).isr().contains(leader)
            && cluster.logEndOffset(leader, TOPIC, 0) == cluster.logEndOffset(newLeader, TOPIC, 0));
        assertEquals(acked, records.readAll(newLeader, TOPIC, acked.size()));
    }
}
