package io.runnel.broker.replica;

import io.runnel.broker.partition.TopicPartition;
import io.runnel.log.LogFiles;
import io.runnel.log.PartitionMetadata;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The partition directories under a broker's data dir, told apart by topic id as well as by name
 * (issue 14 item 2, KIP-516). A directory is named {@code <topic>-<partition>}, and a topic's name
 * can be reused after a delete; the id in its {@code partition.metadata} says which topic it
 * belongs to. Invariants:
 * <ul>
 *   <li>a partition's log is opened only in a directory that names its topic's id (or names none:
 *       data from before ids were stored, adopted); a directory naming another id is a deleted
 *       topic's leftover and is deleted first, so the new topic starts from an empty log;</li>
 *   <li>once the broker's metadata has caught up with its registration, a directory whose
 *       partition it does not host (its topic is gone, or the replica moved elsewhere while the
 *       broker was down) is deleted.</li>
 * </ul>
 *
 * <p>Thread-safety: callers serialize calls (metadata is applied on one thread).
 */
final class PartitionDirectories {
    private static final Logger log = LoggerFactory.getLogger(PartitionDirectories.class);
    /** {@code <topic>-<partition>}: topic names are [a-zA-Z0-9._-]+, so the last dash starts the number. */
    private static final Pattern PARTITION_DIR = Pattern.compile("[a-zA-Z0-9._-]+-\\d+");

    private final Path dataDir;

    PartitionDirectories(Path dataDir) {
        this.dataDir = dataDir;
    }

    /**
     * The directory of {@code tp}, holding {@code topicId}'s data or nothing: a directory left by
     * another topic of the same name is deleted, and the id is written before the log is opened.
     *
     * @param topicId the topic's id, or null when the caller does not know it (no check)
     */
    Path prepare(TopicPartition tp, String topicId) {
        Path dir = dataDir.resolve(tp.dirName());
        if (topicId == null || topicId.isEmpty()) {
            return dir;
        }
        Optional<String> found = PartitionMetadata.topicId(dir);
        if (found.isPresent() && !found.get().equals(topicId)) {
            log.warn("{} holds topic id {}, not {}: a deleted topic's log; deleting it before opening the new topic's",
                dir, found.get(), topicId);
            deleteRecursively(dir);
        }
        if (found.isEmpty() || !found.get().equals(topicId)) {
            try {
                PartitionMetadata.write(dir, topicId);
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot write " + PartitionMetadata.FILE_NAME + " in " + dir, e);
            }
        }
        return dir;
    }

    /**
     * Deletes partition directories whose partition is not in {@code hosted}. Call only with the
     * partitions of an image that holds everything up to the broker's registration.
     *
     * @return the names of the directories deleted
     */
    List<String> removeOrphans(Set<TopicPartition> hosted) {
        Set<String> keep = new HashSet<>();
        hosted.forEach(tp -> keep.add(tp.dirName()));
        List<String> removed = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(dataDir)) {
            for (Path dir : dirs) {
                String name = dir.getFileName().toString();
                if (Files.isDirectory(dir) && PARTITION_DIR.matcher(name).matches() && !keep.contains(name)
                    && looksLikePartition(dir)) {
                    log.warn("{} is not a partition this broker hosts (topic deleted or replica moved while it was down, "
                        + "topic id {}): deleting it", dir, PartitionMetadata.topicId(dir).orElse("unknown"));
                    deleteRecursively(dir);
                    removed.add(name);
                }
            }
        } catch (IOException e) {
            log.warn("Cannot list {} for orphan partition directories: {}", dataDir, e.toString());
        }
        return removed;
    }

    /** A partition directory holds its metadata file or segments, or is empty (a log never written). */
    private static boolean looksLikePartition(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            List<String> names = files.map(f -> f.getFileName().toString()).toList();
            return names.isEmpty() || names.stream().anyMatch(n -> n.equals(PartitionMetadata.FILE_NAME)
                || n.endsWith(LogFiles.LOG_SUFFIX));
        }
    }

    /** Deletes {@code dir}, its metadata file last, so a crash midway leaves it recognisable. */
    private static void deleteRecursively(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            List<Path> all = new ArrayList<>(walk.sorted(Comparator.reverseOrder()).toList());
            // Files first (children before their directories), then the metadata file, then the directory.
            all.sort(Comparator.comparingInt((Path p) -> p.equals(dir) ? 2
                : p.getFileName().toString().equals(PartitionMetadata.FILE_NAME) ? 1 : 0));
            for (Path p : all) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot delete " + dir, e);
        }
    }
}
