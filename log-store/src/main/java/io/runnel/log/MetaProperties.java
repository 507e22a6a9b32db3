package io.runnel.log;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * The identity of a node's data directory, in {@code <data.dir>/meta.properties} (Kafka's file of
 * that name, with a KIP-858 directory id), written once when the directory is formatted (the
 * node's first start on it) and checked on every start:
 *
 * <pre>
 *  # Written when this directory was formatted; do not edit or copy it to another directory
 *  version=1
 *  cluster.id=&lt;UUID of the cluster&gt;
 *  node.id=&lt;the node's id&gt;
 *  directory.id=&lt;random UUID of this directory&gt;
 * </pre>
 *
 * The directory id changes exactly when the directory is replaced: an empty (wiped, new) directory
 * gets a new one. The broker registers it, and the controller takes a broker whose id changed out
 * of every ISR, since its replicas hold nothing (docs/broker.md, "Storage identity"). A directory
 * that holds data from before this file existed is formatted in place (a new id), which the
 * controller cannot tell from the old registration, which had none.
 *
 * @param clusterId   the cluster the directory belongs to
 * @param nodeId      the node it belongs to
 * @param directoryId random per formatted directory
 */
public record MetaProperties(String clusterId, int nodeId, String directoryId) {
    public static final String FILE_NAME = "meta.properties";
    static final String VERSION = "1";

    /**
     * Reads the directory's identity, formatting it first if it has none, and checks that it
     * belongs to this cluster and node.
     *
     * @throws IOException naming both ids if the directory belongs to another cluster or node, or
     *                     naming the file if it cannot be read, parsed or written
     */
    public static MetaProperties loadOrFormat(Path dir, String clusterId, int nodeId) throws IOException {
        Path file = dir.resolve(FILE_NAME);
        Map<String, String> found = PropertiesFile.read(file).orElse(null);
        if (found == null) {
            MetaProperties formatted = new MetaProperties(clusterId, nodeId, UUID.randomUUID().toString());
            Files.createDirectories(dir);
            Map<String, String> entries = new LinkedHashMap<>();
            entries.put("version", VERSION);
            entries.put("cluster.id", clusterId);
            entries.put("node.id", Integer.toString(nodeId));
            entries.put("directory.id", formatted.directoryId());
            PropertiesFile.write(file, "Written when this directory was formatted; do not edit or copy it to another directory",
                entries);
            return formatted;
        }
        String version = found.get("version");
        String foundCluster = found.get("cluster.id");
        String foundNode = found.get("node.id");
        String foundDir = found.get("directory.id");
        if (!VERSION.equals(version) || foundCluster == null || foundNode == null || foundDir == null
            || !foundNode.matches("\\d+")) {
            throw new IOException(file + " is not a version " + VERSION + " meta.properties with cluster.id, node.id and "
                + "directory.id: " + found);
        }
        if (!foundCluster.equals(clusterId)) {
            throw new IOException("data directory " + dir + " belongs to cluster " + foundCluster + " (" + FILE_NAME
                + "), but this node is configured for cluster " + clusterId + ": refusing to start on another cluster's data");
        }
        if (Integer.parseInt(foundNode) != nodeId) {
            throw new IOException("data directory " + dir + " belongs to node " + foundNode + " (" + FILE_NAME
                + "), but this node is configured with node.id " + nodeId + ": refusing to start on another node's data");
        }
        return new MetaProperties(foundCluster, nodeId, foundDir);
    }
}
