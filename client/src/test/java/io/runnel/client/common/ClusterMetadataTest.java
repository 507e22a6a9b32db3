package io.runnel.client.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runnel.broker.node.SharedNode;
import io.runnel.broker.node.TestCluster;
import io.runnel.proto.v1.MetadataResponse;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The client's metadata view against a real node: leader lookups, when it asks again, and a cluster that does not answer. */
@ExtendWith(SharedNode.class)
class ClusterMetadataTest {
    private static TestCluster cluster;

    @BeforeAll
    static void startNode(TestCluster shared) {
        cluster = shared;
        cluster.createTopic("known", 2, 1, Map.of());
    }

    @Test
    void leader_ofAPartitionOfAKnownTopic_isTheNodeLeadingIt_andNullWhereThereIsNone() {
        try (Bootstrap bootstrap = new Bootstrap(cluster.bootstrap())) {
            ClusterMetadata metadata = new ClusterMetadata(bootstrap);
            assertNull(metadata.leader(new TopicPartition("known", 0)), "nothing known before the first refresh");
            metadata.refresh();
            assertEquals(cluster.clientPort(1), metadata.leader(new TopicPartition("known", 1)).getPort());
            assertEquals(metadata.leader(new TopicPartition("known", 1)), metadata.broker(1));
            assertNull(metadata.leader(new TopicPartition("known", 2)), "the topic has two partitions");
            assertNull(metadata.topic("missing"));
            assertNull(metadata.broker(99));
        }
    }

    @Test
    void refreshIfStale_asksAgainOnlyAfterMarkStale() {
        try (Bootstrap bootstrap = new Bootstrap(cluster.bootstrap())) {
            ClusterMetadata metadata = new ClusterMetadata(bootstrap);
            assertTrue(metadata.isStale());
            metadata.refreshIfStale();
            assertFalse(metadata.isStale());
            cluster.createTopic("created-later", 1, 1, Map.of());
            metadata.refreshIfStale();
            assertNull(metadata.topic("created-later"), "a fresh view is kept");
            metadata.markStale();
            metadata.refreshIfStale();
            assertNotNull(metadata.topic("created-later"));
        }
    }

    @Test
    void refreshPaced_asksAtMostOncePerInterval() {
        try (Bootstrap bootstrap = new Bootstrap(cluster.bootstrap())) {
            ClusterMetadata metadata = new ClusterMetadata(bootstrap);
            assertTrue(metadata.refreshPaced(1_000, 100));
            assertNotNull(metadata.topic("known"));
            assertFalse(metadata.refreshPaced(1_099, 100));
            assertTrue(metadata.refreshPaced(1_100, 100));
            assertEquals(1_200, metadata.nextPacedRefreshMs());
        }
    }

    @Test
    void refreshQuietly_withNoBrokerAnswering_keepsTheOldViewAndStaysStale() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        try (Bootstrap bootstrap = new Bootstrap("127.0.0.1:" + closedPort)) {
            ClusterMetadata metadata = new ClusterMetadata(bootstrap);
            assertFalse(metadata.refreshQuietly());
            assertTrue(metadata.isStale());
            assertEquals(MetadataResponse.getDefaultInstance(), metadata.current());
        }
    }
}
