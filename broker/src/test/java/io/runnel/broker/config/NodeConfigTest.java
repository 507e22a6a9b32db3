package io.runnel.broker.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runnel.metadata.controller.LeaderRebalancer;
import io.runnel.broker.replica.FetchLimits;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NodeConfigTest {
    private static Properties props(String... kv) {
        Properties p = new Properties();
        for (int i = 0; i < kv.length; i += 2) {
            p.setProperty(kv[i], kv[i + 1]);
        }
        return p;
    }

    @Test
    void defaults_singleCombinedNode() {
        NodeConfig c = NodeConfig.load(props("node.id", "1"), Map.of(), "laptop");
        assertEquals(1, c.nodeId());
        assertEquals(Set.of(NodeConfig.Role.BROKER, NodeConfig.Role.CONTROLLER), c.roles());
        assertEquals(9092, c.clientListener().getPort());
        assertEquals(Map.of(1, InetSocketAddress.createUnresolved("laptop", 9192)), c.voters());
    }

    @Test
    void threadPoolSizes_defaultAndSetAndChecked() {
        assertEquals(ThreadSettings.DEFAULTS, NodeConfig.load(props("node.id", "1"), Map.of(), "h").threads());
        assertEquals(new ThreadSettings(3, 1), NodeConfig.load(props("node.id", "1", "log.flush.threads", "3",
            "controller.call.threads", "1"), Map.of(), "h").threads());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NodeConfig.load(
            props("node.id", "1", "log.flush.threads", "0"), Map.of(), "h"));
        assertTrue(e.getMessage().contains("log.flush.threads must be between 1 and 64"), e.getMessage());
    }

    @Test
    void topicDefaults_aTypoOrABadValueIsRefusedAtStartUp_namingTheKey() {
        assertEquals(Map.of("min.insync.replicas", "2", "retention.ms", "-1"), NodeConfig.load(props("node.id", "1",
            "default.min.insync.replicas", "2", "default.retention.ms", "-1"), Map.of(), "h").defaults());
        IllegalArgumentException typo = assertThrows(IllegalArgumentException.class, () -> NodeConfig.load(
            props("node.id", "1", "default.min.insync.replica", "2"), Map.of(), "h"));
        assertTrue(typo.getMessage().contains("default.min.insync.replica: unknown topic config"), typo.getMessage());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> NodeConfig.load(
            props("node.id", "1"), Map.of("RUNNEL_DEFAULT_MAX_MESSAGE_BYTES", "lots"), "h"));
        assertTrue(bad.getMessage().contains("default.max.message.bytes: bad value 'lots'"), bad.getMessage());
    }

    @Test
    void fetchLimits_defaultAndSetAndChecked_namingTheKey() {
        assertEquals(FetchLimits.DEFAULTS, NodeConfig.load(props("node.id", "1"), Map.of(), "h").fetchLimits());
        FetchLimits set = NodeConfig.load(props("node.id", "1", "fetch.max.bytes", "1048576",
            "fetch.max.wait.ms.limit", "5000", "fetch.purgatory.max.size", "7"), Map.of(), "h").fetchLimits();
        assertEquals(new FetchLimits(1 << 20, 10 << 20, 5000, 7, 1 << 20), set, "the conversion cap follows a lower fetch.max.bytes");
        IllegalArgumentException huge = assertThrows(IllegalArgumentException.class, () -> NodeConfig.load(
            props("node.id", "1", "fetch.max.bytes", "2147483647"), Map.of(), "h"));
        assertTrue(huge.getMessage().contains("fetch.max.bytes must be between 1024 and 66060288"), huge.getMessage());
        IllegalArgumentException over = assertThrows(IllegalArgumentException.class, () -> NodeConfig.load(
            props("node.id", "1", "fetch.max.bytes", "1048576", "fetch.records.as.messages.max.batch.bytes", "2097152"),
            Map.of(), "h"));
        assertTrue(over.getMessage().contains("fetch.records.as.messages.max.batch.bytes (2097152) must be at most "
            + "fetch.max.bytes (1048576)"), over.getMessage());
    }

    @Test
    void groupAndProducerLimits_defaultAndSetAndChecked_namingTheKey() {
        NodeConfig defaults = NodeConfig.load(props("node.id", "1"), Map.of(), "h");
        assertEquals(1000, defaults.groups().maxSize());
        assertEquals(1000, defaults.groups().maxRegexLength());
        assertEquals(1000, defaults.maxProducersPerPartition());
        NodeConfig set = NodeConfig.load(props("node.id", "1", "group.max.size", "5", "group.subscription.regex.max.length", "50",
            "max.producers.per.partition", "20"), Map.of(), "h");
        assertEquals(5, set.groups().maxSize());
        assertEquals(50, set.groups().maxRegexLength());
        assertEquals(20, set.maxProducersPerPartition());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> NodeConfig.load(
            props("node.id", "1", "group.max.size", "0", "max.producers.per.partition", "lots"), Map.of(), "h"));
        assertTrue(bad.getMessage().contains("group.max.size must be between 1 and")
            && bad.getMessage().contains("max.producers.per.partition must be an integer, got 'lots'"), bad.getMessage());
    }

    @Test
    void offsetsCommitTimeout_defaultsToKafkas5s_setAndChecked_namingTheKey() {
        assertEquals(5000, NodeConfig.load(props("node.id", "1"), Map.of(), "h").groups().offsetsCommitTimeoutMs());
        assertEquals(700, NodeConfig.load(props("node.id", "1", "offsets.commit.timeout.ms", "700"), Map.of(), "h")
            .groups().offsetsCommitTimeoutMs());
        for (String bad : List.of("0", "-5", "5s")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NodeConfig.load(
                props("node.id", "1", "offsets.commit.timeout.ms", bad), Map.of(), "h"));
            assertTrue(e.getMessage().contains("offsets.commit.timeout.ms must be"), e.getMessage());
        }
    }

    @Test
    void defaultReplicationFactor_isANodeSetting_atLeastOne_namedWhenBad() {
        assertEquals(1, NodeConfig.load(props("node.id", "1"), Map.of(), "h").defaultReplicationFactor());
        NodeConfig three = NodeConfig.load(props("node.id", "1", "default.replication.factor", "3",
            "default.min.insync.replicas", "2"), Map.of(), "h");
        assertEquals(3, three.defaultReplicationFactor());
        assertEquals(Map.of("min.insync.replicas", "2"), three.defaults(), "not a topic setting");
        assertEquals(3, NodeConfig.load(props("node.id", "1"), Map.of("RUNNEL_DEFAULT_REPLICATION_FACTOR", "3"), "h")
            .defaultReplicationFactor());
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class, () -> NodeConfig.load(
            props("node.id", "1", "default.replication.factor", "0"), Map.of(), "h"));
        assertTrue(zero.getMessage().contains("default.replication.factor must be between 1 and"), zero.getMessage());
        IllegalArgumentException text = assertThrows(IllegalArgumentException.class, () -> NodeConfig.load(
            props("node.id", "1", "default.replication.factor", "three"), Map.of(), "h"));
        assertTrue(text.getMessage().contains("default.replication.factor must be an integer, got 'three'"), text.getMessage());
    }

    @Test
    void leaderRebalance_kafkasDefaults_andBadValuesNamed() {
        LeaderRebalancer.Settings d = NodeConfig.load(props("node.id", "1"), Map.of(), "h").leaderRebalance();
        assertEquals(new LeaderRebalancer.Settings(true, 300_000, 10), d);
        assertEquals(new LeaderRebalancer.Settings(false, 1_000, 25), NodeConfig.load(props("node.id", "1",
            "auto.leader.rebalance.enable", "false", "leader.imbalance.check.interval.seconds", "1",
            "leader.imbalance.per.broker.percentage", "25"), Map.of(), "h").leaderRebalance());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> NodeConfig.load(props("node.id", "1",
            "auto.leader.rebalance.enable", "yes", "leader.imbalance.check.interval.seconds", "0",
            "leader.imbalance.per.broker.percentage", "101"), Map.of(), "h"));
        assertTrue(bad.getMessage().contains("auto.leader.rebalance.enable must be true or false, got 'yes'"), bad.getMessage());
        assertTrue(bad.getMessage().contains("leader.imbalance.check.interval.seconds must be between 1 and"), bad.getMessage());
        assertTrue(bad.getMessage().contains("leader.imbalance.per.broker.percentage must be between 0 and 100, got 101"),
            bad.getMessage());
    }

    @Test
    void brokerRack_noneByDefault_controlCharactersRefused() {
        assertEquals("", NodeConfig.load(props("node.id", "1"), Map.of(), "h").rack());
        assertEquals("eu-west-1a", NodeConfig.load(props("node.id", "1"), Map.of("RUNNEL_BROKER_RACK", "eu-west-1a"), "h").rack());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> NodeConfig.load(
            props("node.id", "1", "broker.rack", "rack\t1"), Map.of(), "h"));
        assertTrue(bad.getMessage().contains("broker.rack must be"), bad.getMessage());
    }

    @Test
    void packagingDefaults_thenTheFile_thenTheEnvironment_eachKeyFromTheFirstThatSetsIt() {
        // As the container image starts a node: its defaults file, an operator's --config file, RUNNEL_* variables.
        Properties image = props("data.dir", "/var/lib/runnel", "listener", "0.0.0.0:9092", "metrics.port", "9404",
            "controller.listener", "0.0.0.0:9192");
        Properties file = props("node.id", "1", "data.dir", "/data/from-file", "listener", "0.0.0.0:7000");
        NodeConfig c = NodeConfig.load(image, file, Map.of("RUNNEL_LISTENER", "0.0.0.0:7100"), "h");
        assertEquals(Path.of("/data/from-file"), c.dataDir(), "the file beats the image's default");
        assertEquals(7100, c.clientListener().getPort(), "the environment beats the file");
        assertEquals(9404, c.metricsPort(), "the image's default where neither sets it");
        assertEquals(9192, c.controllerListener().getPort());
        assertEquals(Path.of("data"), NodeConfig.load(new Properties(), props("node.id", "1"), Map.of(), "h").dataDir(),
            "the built-in default below all three");
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> NodeConfig.load(
            props("metrics.prot", "9404"), props("node.id", "1"), Map.of(), "h"));
        assertTrue(bad.getMessage().contains("unknown settings [metrics.prot]"), "a packaging typo is named too: "
            + bad.getMessage());
    }

    @Test
    void environmentOverridesTheFile() {
        NodeConfig c = NodeConfig.load(props("node.id", "1", "listener", "127.0.0.1:9092"),
            Map.of("RUNNEL_LISTENER", "127.0.0.1:9500", "RUNNEL_DEFAULT_MIN_INSYNC_REPLICAS", "2", "PATH", "/bin",
                "RUNNEL_JAVA_OPTS", "-Xmx2g"), "h");
        assertEquals(9500, c.clientListener().getPort());
        assertEquals(Map.of("min.insync.replicas", "2"), c.defaults());
    }

    @Test
    void statefulSetPod_derivesIdAndVotersFromDnsNames() {
        NodeConfig c = NodeConfig.load(props(), Map.of("RUNNEL_QUORUM_VOTERS",
            "0@runnel-0.runnel:9192,1@runnel-1.runnel:9192,2@runnel-2.runnel:9192"), "runnel-2");
        assertEquals(2, c.nodeId());
        assertEquals(3, c.voters().size());
        assertEquals("runnel-1.runnel", c.voters().get(1).getHostString());
    }

    @Test
    void badSettings_areAllNamedAtOnce() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NodeConfig.load(
            props("roles", "broker,janitor", "listener", "nohost", "quorum.voters", "x@y", "metrics.port", "70000",
                "replica.lag.time.max.ms", "soon", "colour", "blue"), Map.of(), "laptop"));
        String m = e.getMessage();
        for (String expected : new String[] {"unknown settings [colour]", "node.id is not set", "unknown role 'janitor'",
            "listener 'nohost'", "quorum.voters entry 'x@y'", "metrics.port must be between", "replica.lag.time.max.ms must be an integer"}) {
            assertTrue(m.contains(expected), "missing '" + expected + "' in: " + m);
        }
    }

    @Test
    void controllerMustBeAVoter() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NodeConfig.load(
            props("node.id", "4", "quorum.voters", "1@a:1,2@b:2,3@c:3"), Map.of(), "h"));
        assertTrue(e.getMessage().contains("does not list this controller's id 4"), e.getMessage());
        NodeConfig brokerOnly = NodeConfig.load(props("node.id", "4", "roles", "broker", "quorum.voters", "1@a:1,2@b:2,3@c:3"),
            Map.of(), "h");
        assertTrue(brokerOnly.isBroker());
    }

    @Test
    void internalListener_defaultsToItsOwnPort_advertisedUnderTheAdvertisedHost() {
        NodeConfig c = NodeConfig.load(props("node.id", "1", "advertised.host", "broker-1.example"), Map.of(), "laptop");
        assertEquals(InetSocketAddress.createUnresolved("0.0.0.0", 9093), c.internalListener());
        assertEquals(InetSocketAddress.createUnresolved("broker-1.example", 9093), c.internalAdvertised());
    }

    @Test
    void internalListener_setByFileOrEnvironment() {
        NodeConfig c = NodeConfig.load(props("node.id", "1", "internal.listener", "10.0.0.5:9300"),
            Map.of("RUNNEL_INTERNAL_ADVERTISED_LISTENER", "runnel-1.internal:19300"), "h");
        assertEquals(InetSocketAddress.createUnresolved("10.0.0.5", 9300), c.internalListener());
        assertEquals(InetSocketAddress.createUnresolved("runnel-1.internal", 19300), c.internalAdvertised());
        NodeConfig env = NodeConfig.load(props("node.id", "1"), Map.of("RUNNEL_INTERNAL_LISTENER", "127.0.0.1:9301"), "h");
        assertEquals(InetSocketAddress.createUnresolved("127.0.0.1", 9301), env.internalListener());
        assertEquals(InetSocketAddress.createUnresolved("h", 9301), env.internalAdvertised());
    }

    @Test
    void internalListener_portZero_isAdvertisedWithTheBoundPort() {
        NodeConfig c = NodeConfig.load(props("node.id", "1", "internal.listener", "127.0.0.1:0"), Map.of(), "h");
        assertEquals(0, c.internalAdvertised().getPort());
    }

    /**
     * Issue 16 item 1: each listener has its bind address and its advertised address. The client
     * listener used to be advertised as advertised.host with its bind port only, so a published
     * container port could not differ from the port inside; and there was no listener for clients
     * outside the brokers' network.
     */
    @Test
    void clientAndExternalListeners_bindAndAdvertiseApart() {
        NodeConfig plain = NodeConfig.load(props("node.id", "1", "listener", "0.0.0.0:9092"), Map.of(), "runnel-1");
        assertEquals(InetSocketAddress.createUnresolved("runnel-1", 9092), plain.clientAdvertised(), "advertised.host + port");
        assertTrue(plain.externalListener().isEmpty() && plain.externalAdvertised().isEmpty(), "no external listener by default");
        NodeConfig c = NodeConfig.load(props("node.id", "1", "listener", "0.0.0.0:9092", "advertised.listener", "broker-1:0",
            "external.listener", "0.0.0.0:19092"), Map.of("RUNNEL_EXTERNAL_ADVERTISED_LISTENER", "docker-host:29092"), "runnel-1");
        assertEquals(InetSocketAddress.createUnresolved("broker-1", 9092), c.clientAdvertised(), "port 0: the listener's");
        assertEquals(19092, c.externalListener().orElseThrow().getPort());
        assertEquals(InetSocketAddress.createUnresolved("docker-host", 29092), c.externalAdvertised().orElseThrow());
        NodeConfig defaulted = NodeConfig.load(props("node.id", "1", "external.listener", "0.0.0.0:19092"), Map.of(), "runnel-1");
        assertEquals(InetSocketAddress.createUnresolved("runnel-1", 19092), defaulted.externalAdvertised().orElseThrow());
    }

    @Test
    void autoCreateTopics_offByDefault_numPartitionsAtLeastOne() {
        NodeConfig plain = NodeConfig.load(props("node.id", "1"), Map.of(), "h");
        assertFalse(plain.autoCreateTopics());
        assertEquals(1, plain.numPartitions());
        NodeConfig on = NodeConfig.load(props("node.id", "1"), Map.of("RUNNEL_AUTO_CREATE_TOPICS_ENABLE", "true",
            "RUNNEL_NUM_PARTITIONS", "6"), "h");
        assertTrue(on.autoCreateTopics());
        assertEquals(6, on.numPartitions());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> NodeConfig.load(
            props("node.id", "1", "auto.create.topics.enable", "yes", "num.partitions", "0"), Map.of(), "h"));
        assertTrue(bad.getMessage().contains("auto.create.topics.enable must be true or false, got 'yes'"), bad.getMessage());
        assertTrue(bad.getMessage().contains("num.partitions must be between 1 and"), bad.getMessage());
    }

    /** Issue 16 item 6: a StatefulSet's quorum from ordinals, pods past it brokers only. */
    @Test
    void votersFromOrdinals_firstPodsVote_theRestAreBrokers() {
        Properties p = props("quorum.voter.count", "3", "quorum.voter.address", "runnel-{id}.runnel-headless.ns.svc:9192");
        NodeConfig voter = NodeConfig.load(p, Map.of(), "runnel-2");
        assertEquals(Set.of(0, 1, 2), voter.voters().keySet());
        assertEquals(InetSocketAddress.createUnresolved("runnel-0.runnel-headless.ns.svc", 9192), voter.voters().get(0));
        assertTrue(voter.isController() && voter.isBroker());
        NodeConfig broker = NodeConfig.load(p, Map.of(), "runnel-7");
        assertEquals(voter.voters(), broker.voters());
        assertFalse(broker.isController());
        IllegalArgumentException noTemplate = assertThrows(IllegalArgumentException.class, () -> NodeConfig.load(
            props("quorum.voter.count", "3", "quorum.voter.address", "runnel:9192"), Map.of(), "runnel-0"));
        assertTrue(noTemplate.getMessage().contains("quorum.voter.count needs quorum.voter.address with {id}"),
            noTemplate.getMessage());
        IllegalArgumentException both = assertThrows(IllegalArgumentException.class, () -> NodeConfig.load(
            props("quorum.voter.count", "1", "quorum.voter.address", "r-{id}:9192", "quorum.voters", "0@r-0:9192"), Map.of(),
            "runnel-0"));
        assertTrue(both.getMessage().contains("quorum.voters and quorum.voter.count are both set"), both.getMessage());
    }

    @Test
    void badExternalListeners_areNamed() {
        refused("external.advertised.listener is set but external.listener is not", "external.advertised.listener", "h:19092");
        refused("external.listener '0.0.0.0:0' needs a fixed port 1-65535", "external.listener", "0.0.0.0:0");
        refused("external.listener port 9093 is also the internal.listener port", "external.listener", "0.0.0.0:9093");
        refused("external.listener port 9092 is also the listener port", "external.listener", "0.0.0.0:9092");
    }

    /** Node 1 with {@code key=value} is refused with a message containing {@code expected}. */
    private static void refused(String expected, String key, String value) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> NodeConfig.load(props("node.id", "1", key, value), Map.of(), "h"));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void badInternalListeners_areNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NodeConfig.load(
            props("node.id", "1", "internal.listener", "nohost", "internal.advertised.listener", "h:70000"), Map.of(), "h"));
        assertTrue(e.getMessage().contains("internal.listener 'nohost' is not <host>:<port>"), e.getMessage());
        assertTrue(e.getMessage().contains("internal.advertised.listener 'h:70000' is not <host>:<port> with a port 0-65535"),
            e.getMessage());
        IllegalArgumentException sameAsClient = assertThrows(IllegalArgumentException.class, () -> NodeConfig.load(
            props("node.id", "1", "listener", "127.0.0.1:9500", "internal.listener", "127.0.0.1:9500"), Map.of(), "h"));
        assertTrue(sameAsClient.getMessage().contains("internal.listener port 9500 is also the listener port"),
            sameAsClient.getMessage());
        IllegalArgumentException raft = assertThrows(IllegalArgumentException.class, () -> NodeConfig.load(
            props("node.id", "1", "internal.listener", "127.0.0.1:9193"), Map.of(), "h"));
        assertTrue(raft.getMessage().contains("internal.listener port 9193 collides with controller.listener"),
            raft.getMessage());
    }
}
