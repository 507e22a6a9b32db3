package io.runnel.broker.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runnel.broker.config.NodeConfig;
import io.runnel.broker.grpc.BrokerServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Offline checks of docker/: the compose file and the Kubernetes manifests are parsed and checked
 * for what a working cluster needs, and each node's environment is fed through the real
 * {@link NodeConfig} to prove the ids, voters and addresses it derives agree.
 */
class DeploymentFilesTest {
    static final Path DOCKER = Path.of("..", "docker");

    @SuppressWarnings("unchecked")
    static <T> T get(Object node, String... path) {
        Object current = node;
        for (String key : path) {
            assertTrue(current instanceof Map, "no map at '" + key + "' in " + String.join(".", path));
            current = ((Map<String, Object>) current).get(key);
            assertNotNull(current, "missing '" + key + "' in " + String.join(".", path));
        }
        return (T) current;
    }

    static List<Object> loadAll(Path file) throws IOException {
        List<Object> docs = new ArrayList<>();
        try (InputStream in = Files.newInputStream(file)) {
            new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(in).forEach(docs::add);
        }
        return docs;
    }

    static Properties none() {
        return new Properties();
    }

    /** The image's defaults file, which every container's node reads first (--defaults). */
    static Properties imageDefaults() throws IOException {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(DOCKER.resolve("defaults.properties"))) {
            p.load(in);
        }
        return p;
    }

    /**
     * Issue 16: a topic created without a replication factor must be able to meet the node's
     * default min.insync.replicas with a node down (before, it got one replica and every acks=all
     * produce was refused).
     */
    private static void defaultsAgree(String where, NodeConfig config, int nodes) {
        int minInsync = Integer.parseInt(config.defaults().getOrDefault("min.insync.replicas", "1"));
        assertTrue(config.defaultReplicationFactor() > minInsync || minInsync == 1, where + ": default.replication.factor "
            + config.defaultReplicationFactor() + " must exceed default.min.insync.replicas " + minInsync);
        assertTrue(config.defaultReplicationFactor() <= nodes, where + ": default.replication.factor "
            + config.defaultReplicationFactor() + " needs that many of the " + nodes + " nodes");
    }

    /** {@code ${NAME:-default}} as compose expands it with NAME unset. */
    static String composeDefault(String value) {
        return value.replaceAll("\\$\\{[A-Z_]+:-([^}]*)}", "$1");
    }

    /**
     * Issue 16: the compose nodes ran with host networking on scripts/cluster's ports and
     * advertised 127.0.0.1. Now they share a bridge network, reach each other by service name, and
     * each publishes only its external listener, on the same port it advertises to the host.
     */
    @Test
    void compose_threeQuorumNodes_onABridgeNetwork_publishingTheExternalListeners() throws IOException {
        Map<String, Object> compose = (Map<String, Object>) loadAll(DOCKER.resolve("docker-compose.yml")).get(0);
        Map<String, Object> services = get(compose, "services");
        assertEquals(Set.of("runnel-1", "runnel-2", "runnel-3"), services.keySet());
        Map<String, Object> volumes = get(compose, "volumes");
        Map<String, Object> networks = get(compose, "networks");
        Set<Integer> ids = new HashSet<>();
        Set<Integer> published = new HashSet<>();
        for (Map.Entry<String, Object> e : services.entrySet()) {
            String name = e.getKey();
            Map<String, Object> svc = (Map<String, Object>) e.getValue();
            assertFalse(svc.containsKey("network_mode"), name + ": no host networking");
            List<String> onNetworks = get(svc, "networks");
            assertTrue(networks.keySet().containsAll(onNetworks), name + " is on a declared network");
            Map<String, String> env = new HashMap<>();
            ((Map<String, Object>) get(svc, "environment")).forEach((k, v) -> env.put(k, composeDefault(String.valueOf(v))));
            NodeConfig config = NodeConfig.load(imageDefaults(), none(), env, name);
            defaultsAgree(name, config, services.size());
            assertEquals(3, config.defaultReplicationFactor(), name);
            ids.add(config.nodeId());
            // Inside the network: the service name, on the image's ports.
            assertEquals(name, config.advertisedHost());
            assertEquals(name + ":9092", hostPort(config.clientAdvertised()));
            assertEquals(name + ":9093", hostPort(config.internalAdvertised()));
            assertEquals(3, config.voters().size());
            assertEquals(name + ":9192", hostPort(config.voters().get(config.nodeId())), name + " is the voter it claims to be");
            // From the host: the external listener, published on the port it listens on and advertises.
            int external = config.externalListener().orElseThrow().getPort();
            assertEquals("127.0.0.1:" + external, hostPort(config.externalAdvertised().orElseThrow()));
            List<String> ports = get(svc, "ports");
            assertEquals(external + ":" + external, ports.get(0), name + " publishes its external listener on its own port");
            assertTrue(ports.subList(1, ports.size()).stream().allMatch(p -> p.startsWith("127.0.0.1:")),
                name + ": anything else (the console) on the host's loopback only: " + ports);
            published.add(external);
            assertEquals(List.of("CMD", "/opt/runnel/bin/healthcheck", "ready"), get(svc, "healthcheck", "test"));
            List<String> mounts = get(svc, "volumes");
            String volume = mounts.get(0).split(":")[0];
            assertTrue(volumes.containsKey(volume), "named volume " + volume + " is declared");
            assertTrue(mounts.get(0).endsWith(":/var/lib/runnel"));
            Map<String, String> args = get(svc, "build", "args");
            assertEquals(Set.of("BUILD_IMAGE", "RUNTIME_IMAGE"), args.keySet(), "base images as build arguments");
        }
        assertEquals(Set.of(1, 2, 3), ids);
        assertEquals(Set.of(19092, 19093, 19094), published, "not scripts/cluster's ports");
        // The healthcheck is readiness, which needs a quorum: waiting for the previous node to be
        // healthy would wait forever.
        assertEquals("service_started", get(services.get("runnel-2"), "depends_on", "runnel-1", "condition"));
        assertEquals("service_started", get(services.get("runnel-3"), "depends_on", "runnel-2", "condition"));
    }

    @Test
    void kubernetes_statefulSetServicesAndBudget() throws IOException {
        Map<String, Map<String, Object>> byKind = new HashMap<>();
        for (Object doc : loadAll(DOCKER.resolve("k8s").resolve("runnel.yaml"))) {
            Map<String, Object> m = (Map<String, Object>) doc;
            String key = m.get("kind") + "/" + get(m, "metadata", "name");
            assertFalse(byKind.containsKey(key), "duplicate " + key);
            byKind.put(key, m);
            assertTrue(((String) m.get("apiVersion")).matches("v1|apps/v1|policy/v1"), key + " uses a current API version");
        }
        Map<String, Object> headless = byKind.get("Service/runnel-headless");
        assertEquals("None", get(headless, "spec", "clusterIP"));
        assertEquals(true, get(headless, "spec", "publishNotReadyAddresses"));
        assertNotNull(byKind.get("Service/runnel"), "a client service");

        Map<String, Object> sts = byKind.get("StatefulSet/runnel");
        assertEquals("runnel-headless", get(sts, "spec", "serviceName"));
        int replicas = get(sts, "spec", "replicas");
        assertEquals(3, replicas);
        Map<String, Object> selector = get(sts, "spec", "selector", "matchLabels");
        Map<String, Object> labels = get(sts, "spec", "template", "metadata", "labels");
        assertTrue(labels.entrySet().containsAll(selector.entrySet()), "selector matches the pod labels");
        assertEquals(selector, get(headless, "spec", "selector"));
        List<Map<String, Object>> claims = get(sts, "spec", "volumeClaimTemplates");
        String claim = get(claims.get(0), "metadata", "name");
        Map<String, Object> pod = get(sts, "spec", "template", "spec");
        int grace = get(pod, "terminationGracePeriodSeconds");
        assertTrue(grace >= 30, "time for a controlled shutdown");
        Map<String, Object> container = ((List<Map<String, Object>>) pod.get("containers")).get(0);
        assertEquals(9092, (int) get(container, "readinessProbe", "grpc", "port"));
        assertEquals(9092, (int) get(container, "livenessProbe", "grpc", "port"));
        // Readiness is the health service's empty name; liveness must ask for "liveness", or a node
        // waiting for a quorum would be restarted.
        assertEquals(null, ((Map<String, Object>) get(container, "readinessProbe", "grpc")).get("service"));
        assertEquals(BrokerServer.LIVENESS, get(container, "livenessProbe", "grpc", "service"));
        assertNotNull(get(container, "resources", "requests", "cpu"));
        assertNotNull(get(container, "resources", "requests", "memory"));
        List<Map<String, Object>> mounts = get(container, "volumeMounts");
        assertEquals(claim, mounts.get(0).get("name"));
        assertEquals("/var/lib/runnel", mounts.get(0).get("mountPath"));

        // Each pod's environment, as Kubernetes would expand it, through the real NodeConfig.
        Map<String, String> template = new HashMap<>();
        for (Map<String, Object> e : (List<Map<String, Object>>) container.get("env")) {
            if (e.containsKey("value")) {
                template.put((String) e.get("name"), (String) e.get("value"));
            }
        }
        // Issue 16 item 6: no line lists the pods (the voters were three names written out), and
        // every name is namespace-qualified. A StatefulSet scaled to 5 gets two brokers, same quorum.
        assertFalse(template.containsKey("RUNNEL_QUORUM_VOTERS"), "voters derived, not listed");
        String namespace = "prod";
        for (int ordinal = 0; ordinal < replicas + 2; ordinal++) {
            String podName = "runnel-" + ordinal;
            String qualified = podName + ".runnel-headless." + namespace + ".svc";
            Map<String, String> env = new HashMap<>();
            template.forEach((k, v) -> env.put(k, v.replace("$(POD_NAME)", podName).replace("$(POD_NAMESPACE)", namespace)));
            NodeConfig config = NodeConfig.load(imageDefaults(), none(), env, podName);
            defaultsAgree(podName, config, replicas);
            assertEquals(3, config.defaultReplicationFactor(), podName);
            assertEquals(ordinal, config.nodeId(), "node id from the hostname ordinal");
            assertEquals(qualified, config.advertisedHost());
            assertEquals(Set.of(0, 1, 2), config.voters().keySet(), podName + ": the first three pods are the quorum");
            assertEquals("runnel-1.runnel-headless." + namespace + ".svc:9192", hostPort(config.voters().get(1)));
            assertEquals(ordinal < 3, config.isController(), podName + ": a controller only if it is a voter");
            assertTrue(config.isBroker());
            assertEquals(qualified + ":9093", hostPort(config.internalAdvertised()),
                "other brokers reach the internal listener by the pod's name");
            assertEquals(qualified + ":9092", hostPort(config.clientAdvertised()));
        }
        assertTrue(template.values().stream().noneMatch(v -> v.contains("runnel-2")), "no pod named in the manifest");
        List<Map<String, Object>> containerPorts = get(container, "ports");
        assertTrue(containerPorts.contains(Map.of("name", "internal", "containerPort", 9093)), containerPorts.toString());
        List<Map<String, Object>> headlessPorts = get(headless, "spec", "ports");
        assertTrue(headlessPorts.stream().anyMatch(port -> Integer.valueOf(9093).equals(port.get("port"))),
            "peers resolve the internal listener through the headless service");
        List<Map<String, Object>> clientServicePorts = get(byKind.get("Service/runnel"), "spec", "ports");
        assertTrue(clientServicePorts.stream().noneMatch(port -> "internal".equals(port.get("targetPort"))
            || Integer.valueOf(9093).equals(port.get("port"))), "the client service does not expose replication");

        Map<String, Object> pdb = byKind.get("PodDisruptionBudget/runnel");
        assertEquals(1, (int) get(pdb, "spec", "maxUnavailable"));
        assertEquals(selector, get(pdb, "spec", "selector", "matchLabels"));
    }

    /** scripts/cluster sets the replication default with the min.insync.replicas default, from the same node count. */
    @Test
    void clusterScript_defaultReplicationFactorGoesWithMinInsync() throws IOException {
        String script = Files.readString(Path.of("..", "scripts", "cluster"));
        assertTrue(script.contains("RUNNEL_DEFAULT_MIN_INSYNC_REPLICAS=$(( nodes >= 3 ? 2 : 1 ))"), "min.insync as expected");
        assertTrue(script.contains("RUNNEL_DEFAULT_REPLICATION_FACTOR=$(( nodes >= 3 ? 3 : nodes ))"),
            "a replication default that can meet min.insync.replicas=2 with a node down");
    }

    /** The compose tool's own validation, where it is installed (.ci/run installs it when it can). */
    @Test
    void compose_passesDockerComposeConfig() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/docker-compose")),
            "docker-compose is not installed");
        Process p = new ProcessBuilder("/usr/bin/docker-compose", "-f", DOCKER.resolve("docker-compose.yml").toString(),
            "config", "-q").redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), output);
    }

    @Test
    void dockerfile_multiStage_nonRoot_dependencyLayer_exactJars_lightHealthcheck() throws IOException {
        String dockerfile = Files.readString(DOCKER.resolve("Dockerfile"));
        List<String> lines = dockerfile.lines().filter(l -> !l.startsWith("#")).toList();
        assertEquals(List.of("FROM ${BUILD_IMAGE} AS build", "FROM ${RUNTIME_IMAGE}"),
            lines.stream().filter(l -> l.startsWith("FROM ")).toList(), "build and runtime stages, base images as arguments");
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("ARG BUILD_IMAGE=")));
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("ARG RUNTIME_IMAGE=")));
        assertTrue(dockerfile.contains("USER 10001"), "non-root");
        assertFalse(lines.stream().anyMatch(l -> l.startsWith("VOLUME")), "no VOLUME: it leaves anonymous volumes behind");
        // The dependency layer: the poms are copied and built before any source.
        int firstBuild = indexOf(lines, "RUN mvn");
        int firstSource = indexOf(lines, "COPY proto/src");
        assertTrue(firstBuild > 0 && firstBuild < firstSource, "dependencies resolved before the sources are copied");
        assertTrue(lines.subList(0, firstBuild).stream().filter(l -> l.startsWith("COPY ")).allMatch(l -> l.contains("pom.xml")));
        // Maven reads every module the root pom lists, even with -pl broker: a module whose pom is not
        // copied fails the image build ("Child module /src/fault-suite of /src/pom.xml does not exist").
        Matcher module = Pattern.compile("<module>([^<]+)</module>").matcher(Files.readString(Path.of("..", "pom.xml")));
        while (module.find()) {
            assertTrue(lines.subList(0, firstBuild).contains("COPY " + module.group(1) + "/pom.xml " + module.group(1) + "/"),
                "the dependency layer copies module " + module.group(1) + "'s pom");
        }
        // Exact names: the broker's jar by version, its runtime classpath as Maven wrote it; no glob.
        String version = Files.readString(Path.of("..", "pom.xml")).replaceAll("(?s).*?<version>([^<]+)</version>.*", "$1");
        assertTrue(dockerfile.contains("ARG RUNNEL_VERSION=" + version), "the jar's version is the pom's " + version);
        assertTrue(dockerfile.contains("cp broker/target/runnel-broker-${RUNNEL_VERSION}.jar /out/lib/"));
        assertTrue(dockerfile.contains("broker/target/classpath.txt"));
        assertFalse(dockerfile.contains("runnel-broker-*"), "no glob that also matches the -tests jar");
        assertTrue(dockerfile.contains("HEALTHCHECK") && dockerfile.contains("CMD [\"/opt/runnel/bin/healthcheck\"]"));
        assertFalse(dockerfile.contains("HealthCheck\""), "no JVM per probe");
        assertTrue(dockerfile.contains("EXPOSE 9092 9093 9192 9193 9404"));
        assertFalse(dockerfile.contains("JAVA_TOOL_OPTIONS"), "the JVM echoes JAVA_TOOL_OPTIONS on every start");
        assertTrue(dockerfile.contains("ENTRYPOINT [\"/opt/runnel/bin/runnel-node\"]"));
        String entrypoint = Files.readString(DOCKER.resolve("runnel-node"));
        assertTrue(entrypoint.contains("exec java "), "the JVM is PID 1 and gets SIGTERM");
        assertTrue(entrypoint.contains("io.runnel.broker.node.RunnelNode \\\n  --defaults /opt/runnel/defaults.properties \"$@\""),
            "the node reads the image's defaults file");
        assertTrue(Files.isExecutable(DOCKER.resolve("runnel-node")) && Files.isExecutable(DOCKER.resolve("healthcheck")));
    }

    private static int indexOf(List<String> lines, String prefix) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith(prefix)) {
                return i;
            }
        }
        return -1;
    }

    static String hostPort(InetSocketAddress address) {
        return address.getHostString() + ":" + address.getPort();
    }

    /**
     * Issue 16: the image's {@code ENV RUNNEL_*} lines beat a mounted {@code --config} file, so the
     * README's file alternative did nothing for the data dir, listeners and metrics port. The image's
     * defaults are now a file the node reads first; a mounted file and then the environment win.
     */
    @Test
    void dockerfile_setsNoRunnelVariables_itsDefaultsFileLosesToAMountedFileAndToTheEnvironment() throws IOException {
        String dockerfile = Files.readString(DOCKER.resolve("Dockerfile"));
        assertFalse(dockerfile.lines().anyMatch(l -> l.startsWith("ENV") && l.contains("RUNNEL_")),
            "no RUNNEL_* variable in the image: it would override a mounted --config file");
        assertTrue(dockerfile.contains("COPY docker/defaults.properties /opt/runnel/defaults.properties"));
        Properties image = new Properties();
        try (InputStream in = Files.newInputStream(DOCKER.resolve("defaults.properties"))) {
            image.load(in);
        }
        NodeConfig imageOnly = NodeConfig.load(image, none(), Map.of("RUNNEL_NODE_ID", "1"), "runnel-1");
        assertEquals(Path.of("/var/lib/runnel"), imageOnly.dataDir(), "data where compose and Kubernetes mount a volume");
        assertEquals(9404, imageOnly.metricsPort());
        for (int port : new int[] {imageOnly.clientListener().getPort(), imageOnly.controllerListener().getPort(),
            imageOnly.controllerListener().getPort() + 1, imageOnly.metricsPort()}) {
            assertTrue(dockerfile.lines().anyMatch(l -> l.startsWith("EXPOSE ") && l.contains(" " + port)), "exposes " + port);
        }
        Properties mounted = new Properties();
        mounted.setProperty("data.dir", "/mnt/runnel");
        mounted.setProperty("metrics.port", "9500");
        mounted.setProperty("listener", "0.0.0.0:9000");
        NodeConfig withFile = NodeConfig.load(image, mounted, Map.of("RUNNEL_NODE_ID", "1", "RUNNEL_METRICS_PORT", "9600"),
            "runnel-1");
        assertEquals(Path.of("/mnt/runnel"), withFile.dataDir(), "a mounted file beats the image");
        assertEquals(9000, withFile.clientListener().getPort());
        assertEquals(9600, withFile.metricsPort(), "the environment beats the mounted file");
    }
}
