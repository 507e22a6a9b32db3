package io.runnel.metadata.quorum;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;

/** Test fixture: a real 1-voter Ratis quorum on a free loopback port, started and already the active controller. */
public final class SingleVoterQuorum {
    private SingleVoterQuorum() {
    }

    /** Starts node 1 as the only voter, its Raft files under {@code dir}, and waits until it leads. */
    public static QuorumServer start(Path dir) {
        int raftPort;
        try (ServerSocket s = new ServerSocket(0)) {
            raftPort = s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port", e);
        }
        try {
            QuorumServer quorum = new QuorumServer(new QuorumSettings(1, Map.of(1, new InetSocketAddress("127.0.0.1", raftPort)),
                "127.0.0.1", dir, QuorumSettings.DEFAULT_CLUSTER_ID, 200, 10_000)).start();
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(quorum::isActiveController);
            return quorum;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start a quorum in " + dir, e);
        }
    }
}
