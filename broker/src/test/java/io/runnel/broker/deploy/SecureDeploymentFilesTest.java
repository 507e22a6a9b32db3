package io.runnel.broker.deploy;

import static io.runnel.broker.deploy.DeploymentFilesTest.DOCKER;
import static io.runnel.broker.deploy.DeploymentFilesTest.composeDefault;
import static io.runnel.broker.deploy.DeploymentFilesTest.get;
import static io.runnel.broker.deploy.DeploymentFilesTest.imageDefaults;
import static io.runnel.broker.deploy.DeploymentFilesTest.loadAll;
import static io.runnel.broker.deploy.DeploymentFilesTest.none;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runnel.broker.config.NodeConfig;
import io.runnel.broker.node.TestCertificates;
import io.runnel.security.Principal;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18 item 5: the secured compose override and the secured StatefulSet, checked offline with
 * real certificates from scripts/make-certs. Each node's environment goes through the real
 * {@link NodeConfig}, with the certificate directory in place of the container's mount, so a node
 * whose files are missing, or whose certificate is another node's (the StatefulSet numbers pods
 * from 0, make-certs by default from 1), fails here as it would fail to start; and each node's
 * certificate must name every address the others and the clients reach it at, or their host-name
 * verification would refuse it.
 */
class SecureDeploymentFilesTest {
    /** Where both files mount the certificates in the container. */
    private static final String MOUNT = "/etc/runnel/tls";

    @TempDir
    Path tmp;

    @Test
    @SuppressWarnings("unchecked")
    void compose_secured_eachNodeLoadsItsOwnCertificate_namingHowItIsReached() throws Exception {
        TestCertificates certs = TestCertificates.make(tmp.resolve("certs"), "compose-ca", 3, "admin");
        Map<String, Object> base = get(loadAll(DOCKER.resolve("docker-compose.yml")).get(0), "services");
        Map<String, Object> secure = get(loadAll(DOCKER.resolve("docker-compose.secure.yml")).get(0), "services");
        assertEquals(base.keySet(), secure.keySet(), "the override secures every node");
        Set<Integer> ids = new HashSet<>();
        for (String name : base.keySet()) {
            // Compose merges an override's environment into the base's, the override winning.
            Map<String, String> env = new HashMap<>();
            ((Map<String, Object>) get(base.get(name), "environment")).forEach((k, v) -> env.put(k, composeDefault(String.valueOf(v))));
            ((Map<String, Object>) get(secure.get(name), "environment")).forEach((k, v) -> env.put(k, inDir(composeDefault(String.valueOf(v)), certs.dir())));
            NodeConfig config = NodeConfig.load(imageDefaults(), none(), env, name);
            ids.add(config.nodeId());
            assertTrue(config.security().tlsEnabled(), name);
            assertTrue(config.security().authorizer().enabled(), name + ": the authorizer is on");
            assertEquals(Set.of(Principal.parse("User:CN=admin")), config.security().authorizer().superUsers(),
                name + ": make-certs' client is the super user");
            List<String> mounts = get(secure.get(name), "volumes");
            assertEquals(List.of("${RUNNEL_CERTS:-../.runnel/certs}:" + MOUNT + ":ro"), mounts, name + ": mounted read-only");
            Set<String> names = subjectAltNames(certs.node(config.nodeId()).certFile());
            for (InetSocketAddress reached : List.of(config.clientAdvertised(), config.internalAdvertised(),
                config.voters().get(config.nodeId()), config.externalAdvertised().orElseThrow())) {
                assertTrue(names.contains(reached.getHostString()), name + "'s certificate names " + reached.getHostString()
                    + ", where it is reached: " + names);
            }
        }
        assertEquals(Set.of(1, 2, 3), ids);
        // make-certs' default directory, relative to docker/ where compose resolves the override's paths.
        assertTrue(Files.readString(Path.of("..", "scripts", "make-certs")).contains("out=\".runnel/certs\""));
    }

    @Test
    void compose_secured_passesDockerComposeConfig() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/docker-compose")), "docker-compose is not installed");
        Process p = new ProcessBuilder("/usr/bin/docker-compose", "-f", DOCKER.resolve("docker-compose.yml").toString(),
            "-f", DOCKER.resolve("docker-compose.secure.yml").toString(), "config", "-q").redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), output);
    }

    @Test
    @SuppressWarnings("unchecked")
    void kubernetes_secured_eachPodLoadsItsOwnCertificateFromTheSecret_namingHowItIsReached() throws Exception {
        String namespace = "prod";
        // As the manifest's header says: pods runnel-0..2 are nodes 0..2.
        TestCertificates.makeWith(tmp.resolve("certs"), List.of("--first-id", "0", "--nodes", "3", "--namespace", namespace,
            "--days", "2"));
        // The pods see the Secret's keys as files: unpack make-certs' Secret, nothing else.
        Map<String, Object> secret = (Map<String, Object>) loadAll(tmp.resolve("certs").resolve("runnel-tls-secret.yaml")).get(0);
        assertEquals("runnel-tls", get(secret, "metadata", "name"));
        Map<String, String> data = get(secret, "data");
        assertEquals(Set.of("ca.pem", "node-0.pem", "node-0-key.pem", "node-1.pem", "node-1-key.pem", "node-2.pem",
            "node-2-key.pem"), data.keySet(), "the CA certificate and the nodes' files; no CA key, no client key");
        Path mounted = Files.createDirectories(tmp.resolve("mounted"));
        for (Map.Entry<String, String> file : data.entrySet()) {
            Files.write(mounted.resolve(file.getKey()), Base64.getDecoder().decode(file.getValue()));
        }

        Map<String, Object> sts = null;
        for (Object doc : loadAll(DOCKER.resolve("k8s").resolve("runnel-secure.yaml"))) {
            if ("StatefulSet".equals(((Map<String, Object>) doc).get("kind"))) {
                sts = (Map<String, Object>) doc;
            }
        }
        Map<String, Object> pod = get(sts, "spec", "template", "spec");
        Map<String, Object> container = ((List<Map<String, Object>>) pod.get("containers")).get(0);
        Map<String, String> template = new HashMap<>();
        for (Map<String, Object> e : (List<Map<String, Object>>) container.get("env")) {
            if (e.containsKey("value")) {
                template.put((String) e.get("name"), (String) e.get("value"));
            }
        }
        int replicas = get(sts, "spec", "replicas");
        for (int ordinal = 0; ordinal <= replicas; ordinal++) {
            String podName = "runnel-" + ordinal;
            Map<String, String> env = new HashMap<>();
            template.forEach((k, v) -> env.put(k, inDir(v.replace("$(POD_NAME)", podName).replace("$(POD_NAMESPACE)", namespace),
                mounted)));
            if (ordinal == replicas) {
                // A pod past the certificates made (the StatefulSet scaled up) does not start, naming the missing file.
                String problem = assertThrows(IllegalArgumentException.class,
                    () -> NodeConfig.load(imageDefaults(), none(), env, podName)).getMessage();
                assertTrue(problem.contains("tls.cert.file: " + mounted.resolve("node-" + ordinal + ".pem")), problem);
                continue;
            }
            NodeConfig config = NodeConfig.load(imageDefaults(), none(), env, podName);
            assertEquals(ordinal, config.nodeId());
            assertTrue(config.security().tlsEnabled() && config.security().authorizer().enabled(), podName);
            assertEquals(mounted.resolve("node-" + ordinal + ".pem"), config.security().tls().certFile(), "{id} is the ordinal");
            Set<String> names = subjectAltNames(config.security().tls().certFile());
            for (InetSocketAddress reached : List.of(config.clientAdvertised(), config.internalAdvertised(),
                config.voters().get(config.nodeId()))) {
                assertTrue(names.contains(reached.getHostString()), podName + "'s certificate names " + reached.getHostString()
                    + ": " + names);
            }
            assertTrue(names.contains("runnel." + namespace + ".svc"), podName + ": clients bootstrap through the runnel service");
        }
    }

    /** A value with the container's certificate mount replaced by {@code dir}. */
    private static String inDir(String value, Path dir) {
        return value.startsWith(MOUNT + "/") ? dir.resolve(value.substring(MOUNT.length() + 1)).toString() : value;
    }

    private static Set<String> subjectAltNames(Path pem) throws IOException, CertificateException {
        try (InputStream in = Files.newInputStream(pem)) {
            X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
            Set<String> names = new HashSet<>();
            cert.getSubjectAlternativeNames().forEach(san -> names.add(String.valueOf(san.get(1))));
            return names;
        }
    }
}
