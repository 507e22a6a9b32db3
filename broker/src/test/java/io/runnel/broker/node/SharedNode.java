package io.runnel.broker.node;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionContext.Namespace;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * One single-node {@link TestCluster} shared by every test class that only needs a broker to talk
 * to (each with topics of its own names): started by the first class that asks, closed when the
 * test run ends. A class takes it as a parameter of its {@code @BeforeAll} method:
 *
 * <pre>{@code
 * @ExtendWith(SharedNode.class)
 * class SomeTest {
 *     @BeforeAll
 *     static void start(TestCluster cluster) { cluster.createTopic("some", 1, 1, Map.of()); ... }
 * }
 * }</pre>
 *
 * Starting a node takes seconds; these classes started one each.
 */
public final class SharedNode implements ParameterResolver {
    private static final Namespace NAMESPACE = Namespace.create(SharedNode.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == TestCluster.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return context.getRoot().getStore(NAMESPACE)
            .getOrComputeIfAbsent("node", key -> Running.start(), Running.class).cluster;
    }

    /** The node and its directory, removed when the root context closes. */
    private record Running(TestCluster cluster, Path dir) implements ExtensionContext.Store.CloseableResource {
        static Running start() {
            try {
                Path dir = Files.createTempDirectory("runnel-shared-node");
                return new Running(TestCluster.start(dir, 1, Map.of()), dir);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void close() throws IOException {
            cluster.close();
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
