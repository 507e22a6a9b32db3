package io.runnel.log;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The topic id a partition directory belongs to, in {@code partition.metadata} beside its
 * segments (Kafka's KIP-516 file), written before the log is first opened:
 *
 * <pre>
 *  # The topic this partition's log belongs to
 *  version=0
 *  topic.id=&lt;the topic's UUID, assigned by the controller at create time&gt;
 * </pre>
 *
 * Directories are named by topic name ({@code <topic>-<partition>}), and a name can be reused
 * after a delete: the id tells a deleted topic's leftover log from the new topic's. A directory
 * without the file holds data from before topic ids were stored, and is adopted by the first
 * topic of its name to open it.
 */
public final class PartitionMetadata {
    public static final String FILE_NAME = "partition.metadata";
    static final String VERSION = "0";

    private PartitionMetadata() {
    }

    /** The topic id written in {@code partitionDir}, or empty if it has no (readable) file. */
    public static Optional<String> topicId(Path partitionDir) {
        try {
            return PropertiesFile.read(partitionDir.resolve(FILE_NAME)).map(m -> m.get("topic.id"));
        } catch (IOException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** Writes {@code topicId} into {@code partitionDir}, creating the directory if needed. */
    public static void write(Path partitionDir, String topicId) throws IOException {
        Files.createDirectories(partitionDir);
        Map<String, String> entries = new LinkedHashMap<>();
        entries.put("version", VERSION);
        entries.put("topic.id", topicId);
        PropertiesFile.write(partitionDir.resolve(FILE_NAME), "The topic this partition's log belongs to", entries);
    }
}
