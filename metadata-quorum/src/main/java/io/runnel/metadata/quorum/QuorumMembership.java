package io.runnel.metadata.quorum;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.proto.RaftProtos.ServerRpcProto;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.server.RaftConfiguration;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.util.TimeDuration;

/**
 * Changes and describes the controller quorum's voters through Raft configuration changes
 * ({@code setConfiguration}, whose reply comes once the new configuration is committed). Listeners
 * in the configuration are kept as they are. One change at a time: a change while another is in
 * progress is refused.
 *
 * <p>A removal is refused unless a majority of the voters that remain are live (the leader heard
 * from them within {@code liveWithinMs}): otherwise neither the change nor any metadata after it
 * could commit. Removing the leader itself first moves leadership to the remaining voter it heard
 * from last, then changes the configuration through the new leader.
 */
final class QuorumMembership {
    /**
     * How long a leadership transfer before removing the leader may take: short enough that the
     * transfer and the change fit better in the 15 s a broker gives a forwarded admin call (a
     * fault-suite run under load got no answer within it with 10 s here), and a slow transfer is
     * refused naming it.
     */
    private static final long TRANSFER_TIMEOUT_MS = 5_000;

    private final RaftServer server;
    private final RaftGroupId groupId;
    private final Parameters parameters;
    private final int nodeId;
    private final long liveWithinMs;

    QuorumMembership(RaftServer server, RaftGroupId groupId, Parameters parameters, int nodeId, long liveWithinMs) {
        this.server = server;
        this.groupId = groupId;
        this.parameters = parameters;
        this.nodeId = nodeId;
        this.liveWithinMs = liveWithinMs;
    }

    private RaftServer.Division division() throws IOException {
        try {
            return server.getDivision(groupId);
        } catch (IOException e) {
            throw new IOException("node " + nodeId + " has no Raft group yet", e);
        }
    }

    /** The current configuration, refusing while a change is in progress (old and new voters both counted). */
    private static RaftConfiguration stableConf(RaftServer.Division division) throws IOException {
        RaftConfiguration conf = division.getRaftConf();
        if (!conf.getPreviousPeers().isEmpty()) {
            throw new IOException("a voter change is in progress (from " + ids(conf.getPreviousPeers()) + " to "
                + ids(conf.getCurrentPeers()) + "): retry once it has committed");
        }
        return conf;
    }

    void add(int id, InetSocketAddress raftAddress) throws IOException {
        RaftServer.Division division = division();
        RaftConfiguration conf = stableConf(division);
        List<RaftPeer> voters = new ArrayList<>(conf.getCurrentPeers());
        if (voters.stream().anyMatch(peer -> peer.getId().equals(QuorumServer.peerId(id)))) {
            throw new IOException("node " + id + " is already a voter");
        }
        voters.add(RaftPeer.newBuilder().setId(QuorumServer.peerId(id))
            .setAddress(raftAddress.getHostString() + ":" + raftAddress.getPort()).build());
        change(division, voters, conf, "adding voter " + id);
    }

    /**
     * Removes voter {@code id}.
     *
     * @return the voters afterwards
     * @throws IOException naming why: not a voter, the only voter, too few live voters would remain,
     *                     a change in progress, or Ratis's refusal
     */
    List<Integer> remove(int id) throws IOException {
        RaftServer.Division division = division();
        RaftConfiguration conf = stableConf(division);
        List<RaftPeer> voters = List.copyOf(conf.getCurrentPeers());
        List<RaftPeer> remaining = voters.stream().filter(peer -> !peer.getId().equals(QuorumServer.peerId(id))).toList();
        if (remaining.size() == voters.size()) {
            throw new IOException("node " + id + " is not a voter (voters: " + ids(voters) + ")");
        }
        if (remaining.isEmpty()) {
            throw new IOException("node " + id + " is the only voter: removing it would leave no controller quorum");
        }
        Map<Integer, Long> contact = lastContactMs(division);
        List<RaftPeer> live = remaining.stream()
            .filter(peer -> contact.getOrDefault(QuorumServer.nodeId(peer.getId()), Long.MAX_VALUE) <= liveWithinMs).toList();
        int majority = remaining.size() / 2 + 1;
        if (live.size() < majority) {
            throw new IOException("removing voter " + id + " would leave voters " + ids(remaining) + " of which only "
                + ids(live) + " answer the leader (node " + nodeId + "): " + majority + " of " + remaining.size()
                + " must be live to commit the change and any metadata after it; start the stopped voters, or remove a"
                + " stopped voter instead");
        }
        if (id == nodeId) {
            RaftPeer next = live.stream().min(Comparator.comparingLong(peer -> contact.get(QuorumServer.nodeId(peer.getId()))))
                .orElseThrow();
            try (RaftClient client = client(division.getGroup())) {
                RaftClientReply moved = client.admin().transferLeadership(next.getId(), TRANSFER_TIMEOUT_MS);
                if (!moved.isSuccess()) {
                    throw new IOException("removing voter " + id + " (the active controller) needs leadership moved first;"
                        + " moving it to node " + QuorumServer.nodeId(next.getId()) + " failed: " + moved.getException());
                }
            }
        }
        change(division, remaining, conf, "removing voter " + id);
        return ids(remaining);
    }

    /** The voters with their last contact, as this node (the leader) sees them. */
    QuorumStatus status() throws IOException {
        RaftServer.Division division = division();
        if (!division.getInfo().isLeader()) {
            throw new IOException("node " + nodeId + " is not the Raft leader");
        }
        Map<Integer, Long> contact = lastContactMs(division);
        List<VoterStatus> voters = division.getRaftConf().getCurrentPeers().stream()
            .map(peer -> {
                int id = QuorumServer.nodeId(peer.getId());
                return new VoterStatus(id, peer.getAddress(), id == nodeId, contact.getOrDefault(id, -1L));
            })
            .sorted(Comparator.comparingInt(VoterStatus::nodeId)).toList();
        return new QuorumStatus(nodeId, division.getInfo().getCurrentTerm(), voters);
    }

    /** Milliseconds since the leader heard from each peer (0 for itself); empty unless this node leads. */
    private Map<Integer, Long> lastContactMs(RaftServer.Division division) {
        Map<Integer, Long> contact = new HashMap<>();
        if (!division.getInfo().isLeader()) {
            return contact;
        }
        contact.put(nodeId, 0L);
        for (ServerRpcProto follower : division.getInfo().getRoleInfoProto().getLeaderInfo().getFollowerInfoList()) {
            contact.put(QuorumServer.nodeId(RaftPeerId.valueOf(follower.getId().getId())), follower.getLastRpcElapsedTimeMs());
        }
        return contact;
    }

    /** Sets the voters to {@code voters} (listeners unchanged); returns once the new configuration has committed. */
    private void change(RaftServer.Division division, List<RaftPeer> voters, RaftConfiguration conf, String what)
        throws IOException {
        List<RaftPeer> listeners = List.copyOf(conf.getCurrentPeers(RaftPeerRole.LISTENER));
        try (RaftClient client = client(division.getGroup())) {
            RaftClientReply reply = client.admin().setConfiguration(voters, listeners);
            if (!reply.isSuccess()) {
                throw new IOException(what + " was refused: " + reply.getException());
            }
        }
    }

    private RaftClient client(RaftGroup group) {
        return RaftClient.newBuilder().setProperties(new RaftProperties()).setParameters(parameters).setRaftGroup(group)
            .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(50, TimeDuration.valueOf(200, TimeUnit.MILLISECONDS)))
            .build();
    }

    private static List<Integer> ids(Iterable<RaftPeer> peers) {
        List<Integer> ids = new ArrayList<>();
        peers.forEach(peer -> ids.add(QuorumServer.nodeId(peer.getId())));
        ids.sort(Comparator.naturalOrder());
        return ids;
    }
}
