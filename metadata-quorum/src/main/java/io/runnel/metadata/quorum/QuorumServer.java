package io.runnel.metadata.quorum;

import io.runnel.metadata.controller.ControllerException;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.proto.v1.ApplyResult;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.MetadataBatch;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcTlsConfig;
import org.apache.ratis.metrics.MetricRegistries;
import org.apache.ratis.metrics.RatisMetricRegistry;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.NotLeaderException;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.thirdparty.io.netty.handler.ssl.SslProvider;
import org.apache.ratis.util.ExitUtils;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;

/**
 * This node's Raft voter: lifecycle, and the leader-side way to propose a {@link MetadataBatch}.
 * Voters are named {@code n<id>} in Raft. With {@link QuorumSettings#tls}, Raft's gRPC transport
 * (server, its admin and client services, and this node's Raft clients) runs mutual TLS, and a
 * certificate whose principal is not a cluster node's fails the handshake at either end: a client
 * certificate from the same CA cannot append to the Raft log.
 *
 * <p>Thread-safety: {@link #propose} and the accessors are safe from any thread.
 */
public final class QuorumServer implements Closeable {
    private final QuorumSettings settings;
    private final MetadataStateMachine stateMachine = new MetadataStateMachine();
    private final RaftGroupId groupId;
    private final RaftServer server;
    private final ClientId clientId = ClientId.randomId();
    private final AtomicLong callId = new AtomicLong();
    /** Raft's TLS settings (empty without TLS), for the server and for this node's Raft clients. */
    private final Parameters parameters;
    private final QuorumMembership membership;

    public QuorumServer(QuorumSettings settings) {
        this.settings = settings;
        this.groupId = RaftGroupId.valueOf(settings.clusterId());
        List<RaftPeer> peers = new ArrayList<>();
        for (Map.Entry<Integer, InetSocketAddress> v : settings.voters().entrySet()) {
            peers.add(RaftPeer.newBuilder().setId(peerId(v.getKey()))
                .setAddress(v.getValue().getHostString() + ":" + v.getValue().getPort()).build());
        }
        RaftProperties p = new RaftProperties();
        RaftConfigKeys.Rpc.setType(p, SupportedRpcType.GRPC);
        GrpcConfigKeys.Server.setHost(p, settings.bindHost());
        GrpcConfigKeys.Server.setPort(p, settings.voters().get(settings.nodeId()).getPort());
        RaftServerConfigKeys.setStorageDir(p, List.of(settings.dir().toFile()));
        RaftServerConfigKeys.Read.setOption(p, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
        RaftServerConfigKeys.Rpc.setTimeoutMin(p, TimeDuration.valueOf(settings.electionTimeoutMinMs(), TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setTimeoutMax(p, TimeDuration.valueOf(2 * settings.electionTimeoutMinMs(), TimeUnit.MILLISECONDS));
        // The first election after a start waits a quarter to half of that: a fresh quorum (or a lone
        // restarted voter) elects within ~0.5 s instead of 1-2 s idle. A follower that times out early
        // while a leader exists does no harm: pre-vote (on by default) is refused by voters that hear
        // from the leader, so no term is bumped and nobody is deposed. Later elections use the full range.
        RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMin(p, TimeDuration.valueOf(
            settings.firstElectionTimeoutMinMs(), TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMax(p, TimeDuration.valueOf(
            2 * settings.firstElectionTimeoutMinMs(), TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, settings.snapshotEveryEntries());
        RaftServerConfigKeys.Snapshot.setRetentionFileNum(p, 2);
        RaftServerConfigKeys.Log.setSegmentSizeMax(p, SizeInBytes.valueOf("1MB"));
        RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, true);
        RaftServerConfigKeys.Log.setPurgeGap(p, 16);
        // Ratis's defaults, pinned: an entry counts toward a commit only once fsynced (no unsafe or
        // async flush), so a power loss on a minority never loses a committed metadata change.
        RaftServerConfigKeys.Log.setUnsafeFlushEnabled(p, false);
        RaftServerConfigKeys.Log.setAsyncFlushEnabled(p, false);
        // A port bind failure would call System.exit (ratis-guide.md, pitfall 4): make it an exception.
        ExitUtils.disableSystemExit();
        ExitUtils.setTerminateOnUncaughtException(false);
        this.parameters = new Parameters();
        if (settings.tls() != null) {
            GrpcConfigKeys.TLS.setConf(parameters, GrpcTlsConfig.newBuilder()
                .setKeyManager(settings.tls().keyManager())
                .setTrustManager(settings.tls().trustOnly(settings.nodes()::isNode, "Raft port of node " + settings.nodeId(),
                    "only cluster nodes (" + settings.nodes() + ") take part in Raft"))
                .setMutualTls(true)
                // Ratis's shaded Netty may lack the native OpenSSL library; the JDK's engine is always there.
                .setSslProvider(SslProvider.JDK).build());
        }
        try {
            // A joining voter knows no peers: the leader's configuration change brings it in.
            RaftGroup group = settings.joining() ? RaftGroup.valueOf(groupId) : RaftGroup.valueOf(groupId, peers);
            this.server = RaftServer.newBuilder().setServerId(peerId(settings.nodeId()))
                .setGroup(group).setProperties(p).setParameters(parameters).setStateMachine(stateMachine)
                .setOption(RaftStorage.StartupOption.RECOVER).build();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create the Raft server in " + settings.dir(), e);
        }
        // Live: heard from within twice the longest election timeout.
        this.membership = new QuorumMembership(server, groupId, parameters, settings.nodeId(), 4 * settings.electionTimeoutMinMs());
    }

    /** A Ratis metrics reporter that reports nowhere ({@link #withoutJmxMetrics}). */
    private static final Consumer<RatisMetricRegistry> NO_REPORTER = registry -> {
    };

    /**
     * Keeps Ratis from registering each of its metrics as a JMX MBean: Ratis does so by default
     * when its first metric registry is made and no reporter is registered, which starts the
     * platform MBean server and cost ~80 ms of CPU per node start (async-profiler, issue 16 item
     * 9). Runnel reads none of Ratis's metrics. A process-wide Ratis setting: call it once, before
     * the first server is built (NodeProcess does; tests in one JVM keep the default).
     */
    public static void withoutJmxMetrics() {
        MetricRegistries.global().addReporterRegistration(NO_REPORTER, NO_REPORTER);
    }

    static RaftPeerId peerId(int nodeId) {
        return RaftPeerId.valueOf("n" + nodeId);
    }

    static int nodeId(RaftPeerId peer) {
        return peer == null ? -1 : Integer.parseInt(peer.toString().substring(1));
    }

    /**
     * Starts the Raft server.
     *
     * @throws IOException if it cannot bind its port or read its storage
     */
    public QuorumServer start() throws IOException {
        try {
            server.start();
        } catch (ExitUtils.ExitException e) {
            throw new IOException("Raft server of node " + settings.nodeId() + " failed to start (port "
                + settings.voters().get(settings.nodeId()).getPort() + " taken?): " + e.getMessage(), e);
        }
        return this;
    }

    public MetadataStateMachine stateMachine() {
        return stateMachine;
    }

    public MetadataImage image() {
        return stateMachine.image();
    }

    public int nodeId() {
        return settings.nodeId();
    }

    /** Whether this node is the Raft leader and has applied its own term's first entry. */
    public boolean isActiveController() {
        try {
            var info = server.getDivision(groupId).getInfo();
            return info.isLeader() && info.isLeaderReady();
        } catch (IOException e) {
            return false;
        }
    }

    /** The Raft leader's node id, or -1 if unknown. */
    public int leaderId() {
        try {
            return nodeId(server.getDivision(groupId).getInfo().getLeaderId());
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * Appends {@code batch} through Raft if this node leads, completing when it is applied.
     *
     * @return the apply result (which may be a rejection by a precondition)
     */
    public CompletableFuture<ApplyResult> propose(MetadataBatch batch) {
        RaftClientRequest request = RaftClientRequest.newBuilder().setClientId(clientId).setServerId(server.getId())
            .setGroupId(groupId).setCallId(callId.incrementAndGet())
            .setMessage(Message.valueOf(UnsafeByteOperations.unsafeWrap(batch.toByteArray())))
            .setType(RaftClientRequest.writeRequestType()).build();
        try {
            return server.submitClientRequestAsync(request).thenApply(reply -> {
                if (!reply.isSuccess()) {
                    if (reply.getNotLeaderException() != null) {
                        throw new ControllerException(ErrorCode.NOT_CONTROLLER, "node " + settings.nodeId()
                            + " is not the active controller");
                    }
                    throw new ControllerException(ErrorCode.UNKNOWN_SERVER_ERROR, String.valueOf(reply.getException()));
                }
                try {
                    return ApplyResult.parseFrom(reply.getMessage().getContent().asReadOnlyByteBuffer());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e instanceof NotLeaderException
                ? new ControllerException(ErrorCode.NOT_CONTROLLER, e.getMessage()) : e);
        }
    }

    /**
     * Adds a voter that has been started with {@code joining}: a Raft configuration change from the
     * current voters to them plus the new one, returning once it has committed. The new voter
     * catches up from the leader's log or snapshot first. One change at a time.
     *
     * @throws IOException naming the cause if the change is refused or times out
     */
    public void addVoter(int nodeId, InetSocketAddress raftAddress) throws IOException {
        membership.add(nodeId, raftAddress);
    }

    /**
     * Removes a voter ({@link QuorumMembership#remove}: refused unless a majority of the remaining
     * voters is live; the leader itself hands leadership over first), returning once the new
     * configuration has committed. Stop the removed node afterwards.
     *
     * @return the voters afterwards
     * @throws IOException naming why the change was refused
     */
    public List<Integer> removeVoter(int nodeId) throws IOException {
        return membership.remove(nodeId);
    }

    /**
     * The voters and how recently the leader heard from each.
     *
     * @throws IOException if this node is not the Raft leader
     */
    public QuorumStatus quorumStatus() throws IOException {
        return membership.status();
    }

    /** Node ids of the current voters, as this node's Raft configuration lists them. */
    public List<Integer> voters() {
        try {
            return server.getDivision(groupId).getRaftConf().getCurrentPeers().stream().map(peer -> nodeId(peer.getId()))
                .sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** Stops the Raft server (which closes the state machine). */
    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            throw new UncheckedIOException("Closing the Raft server failed", e);
        }
    }
}
