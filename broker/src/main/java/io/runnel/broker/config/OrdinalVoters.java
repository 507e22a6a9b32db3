package io.runnel.broker.config;

import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * The controller quorum of a StatefulSet, derived rather than listed: {@code quorum.voter.count=3}
 * with {@code quorum.voter.address=runnel-{id}.runnel-headless.prod.svc:9192} means voters 0, 1
 * and 2 at those names (the first pods; ordinals start at 0). Pods past them are brokers only, so
 * scaling the StatefulSet up adds brokers without touching the quorum, and no manifest line lists
 * the pods. Exclusive with {@code quorum.voters}.
 */
final class OrdinalVoters {
    private OrdinalVoters() {
    }

    /** {@code quorum.voter.count}, or 0 when voters are listed ({@code quorum.voters}) or single. */
    static int count(Map<String, String> settings, List<String> problems) {
        String text = settings.get(VoterList.QUORUM_VOTER_COUNT);
        if (text == null) {
            if (settings.containsKey(VoterList.QUORUM_VOTER_ADDRESS)) {
                problems.add(VoterList.QUORUM_VOTER_ADDRESS + " needs " + VoterList.QUORUM_VOTER_COUNT);
            }
            return 0;
        }
        int count;
        try {
            count = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            problems.add(VoterList.QUORUM_VOTER_COUNT + " must be an integer, got '" + text + "'");
            return 0;
        }
        if (count < 1 || count > 9) {
            problems.add(VoterList.QUORUM_VOTER_COUNT + " must be between 1 and 9, got " + count);
            return 0;
        }
        if (settings.containsKey(VoterList.QUORUM_VOTERS)) {
            problems.add(VoterList.QUORUM_VOTERS + " and " + VoterList.QUORUM_VOTER_COUNT + " are both set: list the voters "
                + "or derive them from ordinals, not both");
            return 0;
        }
        return count;
    }

    /** The voters as {@code quorum.voters} would list them: {@code 0@addr0,1@addr1,...}. */
    static String list(Map<String, String> settings, int count, List<String> problems) {
        String address = settings.get(VoterList.QUORUM_VOTER_ADDRESS);
        if (address == null || !address.contains("{id}")) {
            problems.add(VoterList.QUORUM_VOTER_COUNT + " needs " + VoterList.QUORUM_VOTER_ADDRESS
                + " with {id} where each voter's id goes, e.g. runnel-{id}.runnel-headless.default.svc:9192; got "
                + (address == null ? "none" : "'" + address + "'"));
            return "";
        }
        StringJoiner voters = new StringJoiner(",");
        for (int id = 0; id < count; id++) {
            voters.add(id + "@" + address.replace("{id}", Integer.toString(id)));
        }
        return voters.toString();
    }
}
