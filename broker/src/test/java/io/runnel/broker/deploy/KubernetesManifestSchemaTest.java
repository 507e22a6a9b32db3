package io.runnel.broker.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Issue 16 item 6: an offline schema check of docker/k8s/runnel.yaml (and, issue 18, of its
 * secured twin runnel-secure.yaml). Each document is read into
 * the Kubernetes API's own types (fabric8's kubernetes-model, generated from the API's OpenAPI
 * schema) and every field must land in a typed property: a misspelt or misplaced key (say
 * {@code readinesProbe}, or {@code port} one level too high) ends in a type's
 * {@code additionalProperties} and fails here, where {@code kubectl --dry-run=client} would
 * need a cluster.
 */
class KubernetesManifestSchemaTest {
    private static final Map<String, Class<? extends KubernetesResource>> KINDS = Map.of("Service", Service.class,
        "StatefulSet", StatefulSet.class, "PodDisruptionBudget", PodDisruptionBudget.class);

    /** Both manifests: the plain one and the secured one (issue 18), which apply the same names. */
    @ParameterizedTest
    @ValueSource(strings = {"runnel.yaml", "runnel-secure.yaml"})
    void everyFieldOfEveryDocumentIsAKubernetesApiField(String manifest) throws Exception {
        ObjectMapper json = new ObjectMapper();
        List<KubernetesResource> read = new ArrayList<>();
        try (InputStream in = Files.newInputStream(Path.of("..", "docker", "k8s", manifest))) {
            for (Object doc : new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(in)) {
                String kind = (String) ((Map<?, ?>) doc).get("kind");
                Class<? extends KubernetesResource> type = KINDS.get(kind);
                assertNotNull(type, "an unexpected kind " + kind);
                KubernetesResource resource = json.convertValue(doc, type);
                List<String> unknown = new ArrayList<>();
                unknownFields(resource, kind, unknown, new IdentityHashMap<>());
                assertEquals(List.of(), unknown, manifest + ": " + kind + ": fields the Kubernetes API does not have");
                read.add(resource);
            }
        }
        assertEquals(Set.of(Service.class, StatefulSet.class, PodDisruptionBudget.class),
            Set.copyOf(read.stream().map(Object::getClass).toList()));
        StatefulSet sts = read.stream().filter(StatefulSet.class::isInstance).map(StatefulSet.class::cast).findFirst().orElseThrow();
        PodSpec pod = sts.getSpec().getTemplate().getSpec();
        Container node = pod.getContainers().get(0);
        assertTrue(node.getEnv().stream().anyMatch(e -> e.getName().equals("POD_NAMESPACE")
            && e.getValueFrom().getFieldRef().getFieldPath().equals("metadata.namespace")), "namespace from the downward API");
        if (manifest.equals("runnel.yaml")) {
            assertEquals(9092, node.getReadinessProbe().getGrpc().getPort());
            assertEquals("liveness", node.getLivenessProbe().getGrpc().getService());
            return;
        }
        // Secured: kubelet's gRPC probe cannot do TLS, so the probes are HTTP on the (plain) metrics port.
        assertEquals("/health/ready", node.getReadinessProbe().getHttpGet().getPath());
        assertEquals("/health/live", node.getLivenessProbe().getHttpGet().getPath());
        String probePort = node.getReadinessProbe().getHttpGet().getPort().getStrVal();
        assertEquals(probePort, node.getLivenessProbe().getHttpGet().getPort().getStrVal());
        assertTrue(node.getPorts().stream().anyMatch(p -> p.getName().equals(probePort) && p.getContainerPort() == 9404),
            "the probes' port is the metrics port");
        assertNull(node.getReadinessProbe().getGrpc());
        // The certificates: the Secret make-certs writes, mounted read-only where the variables point,
        // readable by the node's group (fsGroup) and nobody else.
        Volume tls = pod.getVolumes().stream().filter(v -> v.getSecret() != null).findFirst().orElseThrow();
        assertEquals("runnel-tls", tls.getSecret().getSecretName());
        assertEquals(0440, tls.getSecret().getDefaultMode());
        assertEquals(pod.getSecurityContext().getRunAsUser(), pod.getSecurityContext().getFsGroup());
        VolumeMount mount = node.getVolumeMounts().stream().filter(m -> m.getName().equals(tls.getName())).findFirst().orElseThrow();
        assertTrue(mount.getReadOnly());
        Map<String, String> env = new HashMap<>();
        node.getEnv().stream().filter(e -> e.getValue() != null).forEach(e -> env.put(e.getName(), e.getValue()));
        assertEquals("true", env.get("RUNNEL_TLS_ENABLED"));
        assertEquals("true", env.get("RUNNEL_AUTHORIZER_ENABLED"));
        for (String file : List.of("RUNNEL_TLS_CA_FILE", "RUNNEL_TLS_CERT_FILE", "RUNNEL_TLS_KEY_FILE")) {
            assertTrue(env.get(file).startsWith(mount.getMountPath() + "/"), file + " is in the Secret's mount");
        }
    }

    /** Walks the typed tree and names every additional (untyped) property with its path. */
    private static void unknownFields(Object value, String path, List<String> unknown, Map<Object, Boolean> seen)
        throws Exception {
        if (value == null || seen.put(value, true) != null) {
            return;
        }
        if (value instanceof Collection<?> items) {
            int i = 0;
            for (Object item : items) {
                unknownFields(item, path + "[" + i++ + "]", unknown, seen);
            }
            return;
        }
        if (value instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> e : map.entrySet()) {
                unknownFields(e.getValue(), path + "." + e.getKey(), unknown, seen);
            }
            return;
        }
        if (!value.getClass().getPackageName().startsWith("io.fabric8.kubernetes.api.model")) {
            return;
        }
        for (Method getter : value.getClass().getMethods()) {
            if (getter.getParameterCount() != 0 || !getter.getName().startsWith("get") || getter.getName().equals("getClass")) {
                continue;
            }
            Object child = getter.invoke(value);
            if (getter.getName().equals("getAdditionalProperties")) {
                ((Map<?, ?>) child).keySet().forEach(k -> unknown.add(path + "." + k));
            } else {
                unknownFields(child, path + "." + getter.getName().substring(3), unknown, seen);
            }
        }
    }
}
