package io.runnel.broker.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runnel.broker.config.NodeConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A node that cannot start says why: the setting and the cause. */
class RunnelNodeStartupTest {
    @TempDir
    Path tmp;

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private NodeConfig config(int listenerPort, int controllerPort, Path dataDir) {
        return config(listenerPort, 0, controllerPort, dataDir);
    }

    private NodeConfig config(int listenerPort, int internalPort, int controllerPort, Path dataDir) {
        Properties p = new Properties();
        p.setProperty("node.id", "1");
        p.setProperty("roles", "broker");
        p.setProperty("listener", "127.0.0.1:" + listenerPort);
        p.setProperty("internal.listener", "127.0.0.1:" + internalPort);
        p.setProperty("quorum.voters", "1@127.0.0.1:" + controllerPort);
        p.setProperty("data.dir", dataDir.toString());
        return NodeConfig.load(p, Map.of(), "test");
    }

    @Test
    void takenListenerPort_isNamed() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            RunnelNode node = new RunnelNode(config(taken.getLocalPort(), freePort(), tmp.resolve("data")));
            IOException e = assertThrows(IOException.class, node::start);
            node.halt();
            assertTrue(e.getMessage().contains("listener") && e.getMessage().contains("cannot be bound"), e.getMessage());
        }
    }

    @Test
    void takenInternalListenerPort_isNamed() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            RunnelNode node = new RunnelNode(config(freePort(), taken.getLocalPort(), freePort(), tmp.resolve("data")));
            IOException e = assertThrows(IOException.class, node::start);
            node.halt();
            assertTrue(e.getMessage().contains("internal.listener 127.0.0.1:" + taken.getLocalPort() + " cannot be bound"),
                e.getMessage());
        }
    }

    @Test
    void healthCheck_aNodeThatCannotRegister_isLiveButNotReady_closedPort_is1() throws Exception {
        // Issue 16 item 2: a broker-only node whose one controller does not exist is up but cannot
        // register; it used to report SERVING as soon as its listener was up.
        RunnelNode node = new RunnelNode(config(freePort(), freePort(), tmp.resolve("data"))).start();
        try {
            assertEquals(0, HealthCheck.check("127.0.0.1:" + node.brokerPort(), "liveness"));
            assertEquals(1, HealthCheck.check("127.0.0.1:" + node.brokerPort()));
        } finally {
            node.halt();
        }
        assertEquals(1, HealthCheck.check("127.0.0.1:" + freePort()));
        assertEquals(1, HealthCheck.check("127.0.0.1:" + freePort(), "liveness"));
    }

    @Test
    void aDataDirOfAnotherCluster_stopsTheNode_namingBothIds() throws Exception {
        // Issue 14 item 1: the data dir names its cluster (meta.properties, written at format time).
        Path dataDir = tmp.resolve("data");
        RunnelNode first = new RunnelNode(config(freePort(), freePort(), dataDir)).start();
        first.halt();
        String formatted = Files.readString(dataDir.resolve("meta.properties"));
        assertTrue(formatted.contains("directory.id="), formatted);
        String ours = NodeConfig.load(new Properties(), Map.of(), "test-1").clusterId().toString();

        Properties other = new Properties();
        other.putAll(Map.of("node.id", "1", "roles", "broker", "listener", "127.0.0.1:" + freePort(),
            "internal.listener", "127.0.0.1:0", "quorum.voters", "1@127.0.0.1:" + freePort(), "data.dir", dataDir.toString(),
            "cluster.id", "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"));
        RunnelNode node = new RunnelNode(NodeConfig.load(other, Map.of(), "test"));
        IOException e = assertThrows(IOException.class, node::start);
        node.halt();
        assertTrue(e.getMessage().contains(ours) && e.getMessage().contains("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"),
            e.getMessage());
        // Nothing was written over: the directory still names the cluster it belongs to.
        assertTrue(Files.readString(dataDir.resolve("meta.properties")).equals(formatted));
    }

    @Test
    void unusableDataDir_isNamed() throws Exception {
        Path file = tmp.resolve("a-file");
        Files.writeString(file, "not a directory");
        RunnelNode node = new RunnelNode(config(freePort(), freePort(), file.resolve("data")));
        IOException e = assertThrows(IOException.class, node::start);
        node.halt();
        assertTrue(e.getMessage().contains("data.dir"), e.getMessage());
    }
}
