package io.runnel.broker.config;

import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The controller quorum's voters, node id to Raft address: listed ({@code quorum.voters}), derived
 * from pod ordinals ({@link OrdinalVoters}), or, with neither, this node alone.
 */
final class VoterList {
    static final String QUORUM_VOTERS = "quorum.voters";
    /** Voters from ordinals: ids 0..count-1 (a StatefulSet's first pods), instead of {@code quorum.voters}. */
    static final String QUORUM_VOTER_COUNT = "quorum.voter.count";
    /** With {@link #QUORUM_VOTER_COUNT}: each voter's controller address, {@code {id}} standing for its id. */
    static final String QUORUM_VOTER_ADDRESS = "quorum.voter.address";
    static final List<String> KEYS = List.of(QUORUM_VOTERS, QUORUM_VOTER_COUNT, QUORUM_VOTER_ADDRESS);

    private VoterList() {
    }

    /**
     * The voters: {@code voterCount} of them from ordinals if it is positive (see
     * {@link OrdinalVoters#count}), else {@code quorum.voters}, else this node on its controller
     * listener's port at its advertised host.
     */
    static Map<Integer, InetSocketAddress> parse(Map<String, String> settings, int voterCount, int nodeId,
                                                 InetSocketAddress controllerListener, String advertised, List<String> problems) {
        String text = voterCount > 0 ? OrdinalVoters.list(settings, voterCount, problems) : settings.getOrDefault(QUORUM_VOTERS, "");
        Map<Integer, InetSocketAddress> voters = new LinkedHashMap<>();
        if (text.isEmpty()) {
            if (nodeId >= 0) {
                voters.put(nodeId, InetSocketAddress.createUnresolved(advertised, controllerListener.getPort()));
            }
            return voters;
        }
        for (String entry : text.split(",")) {
            String[] parts = entry.trim().split("@", 2);
            try {
                int id = Integer.parseInt(parts[0]);
                if (parts.length != 2 || id < 0) {
                    throw new NumberFormatException();
                }
                InetSocketAddress address = ListenerAddresses.parse(parts[1]);
                if (voters.put(id, address) != null) {
                    problems.add(QUORUM_VOTERS + " lists id " + id + " twice");
                }
            } catch (IllegalArgumentException e) {
                problems.add(QUORUM_VOTERS + " entry '" + entry.trim() + "' is not <id>@<host>:<port>");
            }
        }
        return voters;
    }
}
