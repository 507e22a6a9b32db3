package io.runnel.metadata.quorum;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runnel.metadata.controller.AclChanges;
import io.runnel.metadata.controller.BrokerDecisions;
import io.runnel.metadata.controller.ControllerLogic;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.proto.v1.AclEntry;
import io.runnel.proto.v1.AclOperation;
import io.runnel.proto.v1.AclPatternType;
import io.runnel.proto.v1.AclPermission;
import io.runnel.proto.v1.AclResourceType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.ratis.util.MD5FileUtil;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14 item 4 for the metadata quorum: Ratis purges its log behind a snapshot as soon as
 * {@code takeSnapshot} returns, so the snapshot must be durable by then. Instead of trusting the
 * page cache (a stopped process keeps every written byte), the test models the disk of the
 * snapshot directory from the fsyncs alone: a file's bytes as of its last fsync (followed by inode,
 * across renames), a directory's entries as of its last fsync. After the power loss the directory
 * holds exactly that; a name never made durable is gone. Ratis's own log segments are kept as they
 * are: Ratis fsyncs an entry before it counts toward a commit (QuorumServer pins that).
 *
 * <p>One real voter over gRPC on loopback, snapshots every 20 entries, a few topics then large ACL
 * entries: the log behind the snapshot is purged, so a restart can only have the topics (and the
 * first ACLs) from the snapshot.
 */
class SnapshotPowerLossTest {
    private static final int TOPICS = 10;
    @TempDir
    Path tmp;
    private QuorumServer server;

    @AfterEach
    void tearDown() {
        if (server != null) {
            server.close();
        }
    }

    /** The snapshot directory as its fsyncs made it durable. */
    private static final class DiskModel {
        /** File key (device and inode) to the bytes its last fsync made durable. */
        private final Map<Object, byte[]> contents = new HashMap<>();
        /** Name to file key, as of the directory's last fsync; null before any. */
        private Map<String, Object> entries;
        private Path dir;

        synchronized void synced(Path path) {
            try {
                if (Files.isDirectory(path)) {
                    dir = path;
                    Map<String, Object> now = new HashMap<>();
                    try (Stream<Path> files = Files.list(path)) {
                        for (Path f : files.toList()) {
                            now.put(f.getFileName().toString(), key(f));
                        }
                    }
                    entries = now;
                } else {
                    contents.put(key(path), Files.readAllBytes(path));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private static Object key(Path file) throws IOException {
            return Files.readAttributes(file, BasicFileAttributes.class).fileKey();
        }

        /** Replaces the live directory by what survives a power loss (call with the server stopped). */
        synchronized void losePower(Path smDir) throws IOException {
            Map<String, byte[]> survivors = new HashMap<>();
            if (entries != null) {
                // A name made durable whose bytes never were comes back empty.
                entries.forEach((name, key) -> survivors.put(name, contents.getOrDefault(key, new byte[0])));
            }
            try (Stream<Path> files = Files.list(smDir)) {
                for (Path f : files.toList()) {
                    Files.delete(f);
                }
            }
            for (Map.Entry<String, byte[]> e : survivors.entrySet()) {
                Files.write(smDir.resolve(e.getKey()), e.getValue());
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static Path find(Path root, String name) throws IOException {
        try (Stream<Path> all = Files.walk(root)) {
            return all.filter(p -> Files.isDirectory(p) && p.getFileName().toString().equals(name)).findFirst().orElseThrow();
        }
    }

    private static boolean logPurged(Path current) throws IOException {
        try (Stream<Path> files = Files.list(current)) {
            return files.noneMatch(f -> f.getFileName().toString().startsWith("log_0-")
                || f.getFileName().toString().equals("log_inprogress_0"));
        }
    }

    /** The first index the Ratis log still holds (segments log_START-END and log_inprogress_START). */
    private static long firstLogIndex(Path current) throws IOException {
        try (Stream<Path> files = Files.list(current)) {
            return files.map(f -> f.getFileName().toString()).filter(n -> n.startsWith("log_"))
                .mapToLong(n -> Long.parseLong(n.startsWith("log_inprogress_") ? n.substring("log_inprogress_".length())
                    : n.substring("log_".length(), n.indexOf('-')))).min().orElseThrow();
        }
    }

    /** The index of the newest snapshot (snapshot.TERM_INDEX) whose bytes match its MD5, or -1. */
    private static long newestIntactSnapshot(Path sm) throws IOException {
        long newest = -1;
        try (Stream<Path> files = Files.list(sm)) {
            for (Path f : files.toList()) {
                String name = f.getFileName().toString();
                if (!name.matches("snapshot\\.\\d+_\\d+") || !Files.exists(MD5FileUtil.getDigestFileForFile(f.toFile()).toPath())) {
                    continue;
                }
                try {
                    MD5FileUtil.verifySavedMD5(f.toFile(), MD5FileUtil.computeMd5ForFile(f.toFile()));
                } catch (IOException torn) {
                    continue;
                }
                newest = Math.max(newest, Long.parseLong(name.substring(name.indexOf('_') + 1)));
            }
        }
        return newest;
    }

    @Test
    void aSnapshotThatLetTheLogBePurged_survivesAPowerLoss() throws Exception {
        Map<Integer, InetSocketAddress> voters = Map.of(1, new InetSocketAddress("127.0.0.1", freePort()));
        QuorumSettings settings = new QuorumSettings(1, voters, "127.0.0.1", tmp.resolve("node-1"),
            QuorumSettings.DEFAULT_CLUSTER_ID, 300, 20);
        DiskModel disk = new DiskModel();
        server = new QuorumServer(settings);
        server.stateMachine().afterSyncForTest(disk::synced);
        server.start();
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(server::isActiveController);
        for (int b = 1; b <= 2; b++) {
            server.propose(BrokerDecisions.registerBroker(server.image(), b, "inc" + b, "h" + b, 9092, "", false))
                .get(10, TimeUnit.SECONDS);
            server.propose(BrokerDecisions.unfenceBroker(server.image(), b, server.image().brokers().get(b).epoch()))
                .get(10, TimeUnit.SECONDS);
        }
        for (int t = 0; t < TOPICS; t++) {
            server.propose(ControllerLogic.createTopic(server.image(), "topic-" + t, 1, 2, Map.of(), UUID.randomUUID()))
                .get(10, TimeUnit.SECONDS);
        }
        // Entries of ~40 KB (ACL bindings on long names): the 1 MB log segments roll, so a closed one can be purged.
        for (int e = 0; e < 30; e++) {
            List<AclEntry> acls = new ArrayList<>();
            for (int a = 0; a < 10; a++) {
                acls.add(AclEntry.newBuilder().setResourceType(AclResourceType.TOPIC).setResourceName(e + "-" + a + "-"
                    + "x".repeat(4000)).setPatternType(AclPatternType.LITERAL).setPrincipal("User:CN=alice")
                    .setOperation(AclOperation.READ).setPermission(AclPermission.ALLOW).build());
            }
            server.propose(AclChanges.create(acls)).get(10, TimeUnit.SECONDS);
        }
        MetadataImage expected = server.image();
        Path current = find(tmp.resolve("node-1"), "current");
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> logPurged(current));
        // (had the purge not happened, the restart would replay the whole log and prove nothing)

        server.close();
        server = null;
        Path sm = find(tmp.resolve("node-1"), "sm");
        disk.losePower(sm);
        // Checked before a restart: Ratis started on a log with a gap and no snapshot spins and never closes.
        long firstLogIndex = firstLogIndex(current);
        long covered = newestIntactSnapshot(sm);
        assertTrue(covered >= firstLogIndex - 1, "after the power loss the newest intact snapshot is at " + covered
            + " but the log starts at " + firstLogIndex + ": the entries between are lost");

        server = new QuorumServer(settings).start();
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(server::isActiveController);
        QuorumServer restarted = server;
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> restarted.image().topics().size() == TOPICS);
        assertEquals(expected.topics().keySet(), restarted.image().topics().keySet());
        assertEquals(expected.brokers().keySet(), restarted.image().brokers().keySet());
        assertEquals(expected.acls(), restarted.image().acls());
    }
}
