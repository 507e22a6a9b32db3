package io.runnel.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetaPropertiesTest {
    private static final String CLUSTER = "72756e6e-656c-4d65-7461-646174610001";

    @TempDir
    Path dir;

    @Test
    void formatsOnce_thenReadsTheSameDirectoryId() throws IOException {
        MetaProperties formatted = MetaProperties.loadOrFormat(dir, CLUSTER, 3);
        assertEquals(formatted, MetaProperties.loadOrFormat(dir, CLUSTER, 3));
        assertTrue(Files.readString(dir.resolve(MetaProperties.FILE_NAME)).contains("directory.id=" + formatted.directoryId()));
    }

    @Test
    void anEmptiedDirectory_getsANewDirectoryId() throws IOException {
        MetaProperties before = MetaProperties.loadOrFormat(dir, CLUSTER, 3);
        Files.delete(dir.resolve(MetaProperties.FILE_NAME));
        assertNotEquals(before.directoryId(), MetaProperties.loadOrFormat(dir, CLUSTER, 3).directoryId());
    }

    @Test
    void anotherClusterOrNode_isRefused_namingBothIds() throws IOException {
        MetaProperties.loadOrFormat(dir, CLUSTER, 3);
        String other = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
        IOException cluster = assertThrows(IOException.class, () -> MetaProperties.loadOrFormat(dir, other, 3));
        assertTrue(cluster.getMessage().contains(CLUSTER) && cluster.getMessage().contains(other), cluster.getMessage());
        IOException node = assertThrows(IOException.class, () -> MetaProperties.loadOrFormat(dir, CLUSTER, 4));
        assertTrue(node.getMessage().contains("node 3") && node.getMessage().contains("node.id 4"), node.getMessage());
    }

    @Test
    void aDamagedFile_isRefused_namingIt() throws IOException {
        Files.writeString(dir.resolve(MetaProperties.FILE_NAME), "version=1\ncluster.id=" + CLUSTER + "\n");
        IOException e = assertThrows(IOException.class, () -> MetaProperties.loadOrFormat(dir, CLUSTER, 3));
        assertTrue(e.getMessage().contains(MetaProperties.FILE_NAME), e.getMessage());
    }
}
