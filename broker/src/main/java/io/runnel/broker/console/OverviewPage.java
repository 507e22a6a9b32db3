package io.runnel.broker.console;

import io.runnel.metadata.image.BrokerInfo;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.metadata.image.PartitionInfo;
import io.runnel.metadata.image.TopicInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code /}: the cluster as this node's metadata image shows it: every node with its roles and
 * state, the active controller, the Raft term and metadata offset, and the partitions that are
 * under-replicated (ISR smaller than the replica set) or offline (no leader). Open to every viewer,
 * as DescribeCluster is; topics (their count and partitions) only those it may DESCRIBE.
 */
final class OverviewPage {
    private final ClusterApi cluster;
    private final Set<Integer> voters;

    /** @param voters the controller quorum's node ids ({@code quorum.voters}) */
    OverviewPage(ClusterApi cluster, Set<Integer> voters) {
        this.cluster = cluster;
        this.voters = Set.copyOf(voters);
    }

    String render(Viewer viewer) {
        MetadataImage image = cluster.image();
        int active = cluster.controllerId();
        StringBuilder body = new StringBuilder();
        List<PartitionRef> underReplicated = new ArrayList<>();
        List<PartitionRef> offline = new ArrayList<>();
        List<TopicInfo> visible = image.topics().values().stream().filter(t -> viewer.mayDescribeTopic(t.name())).toList();
        for (TopicInfo t : visible) {
            for (PartitionInfo p : t.partitions().values()) {
                if (p.leader() < 0) {
                    offline.add(new PartitionRef(t.name(), p));
                } else if (p.isr().size() < p.replicas().size()) {
                    underReplicated.add(new PartitionRef(t.name(), p));
                }
            }
        }
        long ready = image.brokers().values().stream().filter(b -> !b.fenced()).count();
        body.append(Html.table(List.of("Active controller", "Raft term", "Metadata offset", "Brokers ready", "Topics",
            "Under-replicated partitions", "Offline partitions", "Served by"), List.of(List.of(
                active < 0 ? "<span class=\"bad\">none</span>" : "node " + active,
                Long.toString(image.term()), Long.toString(image.offset()),
                "<span id=\"ready-count\">" + ready + "</span> of " + image.brokers().size(),
                Integer.toString(visible.size()),
                count("under-replicated-count", underReplicated.size()), count("offline-count", offline.size()),
                "node " + cluster.selfId()))));
        body.append("<h2>Nodes</h2>");
        Set<Integer> ids = new TreeSet<>(voters);
        ids.addAll(image.brokers().keySet());
        List<List<String>> rows = new ArrayList<>();
        for (int id : ids) {
            BrokerInfo b = image.brokers().get(id);
            List<String> roles = new ArrayList<>();
            if (b != null) {
                roles.add("broker");
            }
            if (voters.contains(id)) {
                roles.add(id == active ? "controller (active)" : "controller");
            }
            String state = b == null ? "not registered" : b.fenced() ? "<span class=\"bad\">FENCED</span>"
                : "<span class=\"ok\">ready</span>";
            rows.add(List.of("<span class=\"node-id\">" + id + "</span>", Html.escape(String.join(", ", roles)),
                b == null ? "" : Html.escape(b.host() + ":" + b.port()), b == null ? "" : Html.escape(b.rack()),
                "<span class=\"node-state\" id=\"node-" + id + "-state\">" + state + "</span>",
                b == null ? "" : Long.toString(b.epoch())));
        }
        body.append(Html.table(List.of("Node", "Roles", "Client endpoint", "Rack", "State", "Broker epoch"), rows));
        body.append(partitions("Under-replicated partitions", "under-replicated", underReplicated));
        body.append(partitions("Offline partitions", "offline", offline));
        return Html.page("Cluster overview", body.toString());
    }

    private static String count(String id, int n) {
        return "<span id=\"" + id + "\"" + (n > 0 ? " class=\"bad\"" : "") + ">" + n + "</span>";
    }

    private record PartitionRef(String topic, PartitionInfo partition) {
    }

    private static String partitions(String title, String id, List<PartitionRef> list) {
        if (list.isEmpty()) {
            return "<h2>" + Html.escape(title) + "</h2><p id=\"" + id + "\">None.</p>";
        }
        List<List<String>> rows = new ArrayList<>();
        for (PartitionRef r : list) {
            PartitionInfo p = r.partition();
            rows.add(List.of(Html.link("/topic?name=" + Html.url(r.topic()), r.topic()), Integer.toString(p.partition()),
                p.leader() < 0 ? "<span class=\"bad\">none</span>" : Integer.toString(p.leader()),
                Html.escape(p.replicas().toString()), Html.escape(p.isr().toString())));
        }
        return "<h2>" + Html.escape(title) + "</h2><div id=\"" + id + "\">"
            + Html.table(List.of("Topic", "Partition", "Leader", "Replicas", "ISR"), rows) + "</div>";
    }
}
