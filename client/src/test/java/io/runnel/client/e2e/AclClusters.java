package io.runnel.client.e2e;

import io.grpc.ManagedChannel;
import io.runnel.broker.node.TestCertificates;
import io.runnel.broker.node.TestCluster;
import io.runnel.client.admin.RunnelAdmin;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Secured test clusters with the authorizer on: mutual TLS, super.users=User:CN=admin, short group timings. */
final class AclClusters {
    private AclClusters() {
    }

    /**
     * Starts {@code nodes} nodes under {@code dir} with certificates of {@code certs}; the cluster's
     * own channels (topic creation) go as admin, which {@code certs} must have.
     */
    static TestCluster start(Path dir, TestCertificates certs, int nodes) throws IOException {
        return TestCluster.start(dir, nodes, id -> {
            Map<String, String> settings = new HashMap<>(certs.nodeSettings(id));
            settings.put("authorizer.enabled", "true");
            settings.put("super.users", "User:CN=admin");
            settings.put("offsets.topic.num.partitions", "1");
            settings.put("offsets.topic.replication.factor", Integer.toString(nodes));
            settings.put("group.min.session.timeout.ms", "500");
            settings.put("group.heartbeat.interval.ms", "100");
            return settings;
        }, certs.client("admin").load().channelCredentials());
    }

    /** Closes what a test class opened; each may be null (its start failed). */
    static void close(RunnelAdmin admin, List<ManagedChannel> channels, TestCluster cluster) throws InterruptedException {
        if (admin != null) {
            admin.close();
        }
        for (ManagedChannel c : channels) {
            c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (cluster != null) {
            cluster.close();
        }
    }
}
