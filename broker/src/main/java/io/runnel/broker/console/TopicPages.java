package io.runnel.broker.console;

import io.runnel.broker.partition.Partition;
import io.runnel.broker.partition.TopicPartition;
import io.runnel.broker.replica.ReplicaManager;
import io.runnel.metadata.image.PartitionInfo;
import io.runnel.metadata.image.TopicInfo;
import io.runnel.proto.v1.AclOperation;
import io.runnel.proto.v1.AclResourceType;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code /topics} (every topic with its partitions' leaders and ISRs, and the create form) and
 * {@code /topic?name=} (one topic: per partition leader, replicas, ISR, log start and end from the
 * leader's ListOffsets, the size of this node's replica; its configs; the delete form). As
 * Metadata and DescribeCluster: only topics the viewer may DESCRIBE, configs only with DESCRIBE_CONFIGS.
 */
final class TopicPages {
    private final ClusterApi cluster;
    private final ReplicaManager replicas;
    private final String csrfToken;

    /** @param replicas this node's partitions, for the size of the replicas it hosts */
    TopicPages(ClusterApi cluster, ReplicaManager replicas, String csrfToken) {
        this.cluster = cluster;
        this.replicas = replicas;
        this.csrfToken = csrfToken;
    }

    String list(Viewer viewer) {
        List<List<String>> rows = new ArrayList<>();
        for (TopicInfo t : cluster.image().topics().values()) {
            if (!viewer.mayDescribeTopic(t.name())) {
                continue;
            }
            StringBuilder parts = new StringBuilder();
            int under = 0;
            for (PartitionInfo p : t.partitions().values()) {
                under += p.isr().size() < p.replicas().size() || p.leader() < 0 ? 1 : 0;
                parts.append(parts.length() == 0 ? "" : "<br>").append(p.partition()).append(": leader ")
                    .append(p.leader() < 0 ? "none" : Integer.toString(p.leader())).append(", ISR ")
                    .append(Html.escape(p.isr().toString()));
            }
            int rf = t.partitions().isEmpty() ? 0 : t.partitions().values().iterator().next().replicas().size();
            rows.add(List.of("<span class=\"topic-name\">" + Html.link("/topic?name=" + Html.url(t.name()), t.name()) + "</span>",
                Integer.toString(t.partitions().size()), Integer.toString(rf),
                under == 0 ? "0" : "<span class=\"bad\">" + under + "</span>",
                "<span class=\"topic-isr\" data-topic=\"" + Html.escape(t.name()) + "\">" + parts + "</span>",
                configs(t, viewer)));
        }
        String body = Html.table(List.of("Topic", "Partitions", "Replication", "Under-replicated", "Leader / ISR",
            "Config overrides"), rows)
            + "<h2>Create a topic</h2><form method=\"post\" action=\"/topics/create\" id=\"create-topic\">"
            + Html.hidden("csrf", csrfToken)
            + "<label>Name <input name=\"name\" required></label> "
            + "<label>Partitions <input name=\"partitions\" type=\"number\" min=\"1\" value=\"1\"></label> "
            + "<label>Replication factor <input name=\"replication\" type=\"number\" min=\"1\" value=\"1\"></label> "
            + "<button type=\"submit\">Create…</button></form><p>You confirm on the next page.</p>";
        return Html.page("Topics", body);
    }

    /** @throws ConsoleError 403 unless the viewer may DESCRIBE the topic (asked before whether it exists) */
    String topic(Params params, Viewer viewer) {
        String name = params.required("name");
        viewer.require(AclOperation.DESCRIBE, AclResourceType.TOPIC, name);
        TopicInfo t = cluster.topic(name);
        Map<Integer, Long> start = cluster.offsets(t, ClusterApi.EARLIEST);
        Map<Integer, Long> end = cluster.offsets(t, ClusterApi.LATEST);
        List<List<String>> rows = new ArrayList<>();
        for (PartitionInfo p : t.partitions().values()) {
            boolean under = p.isr().size() < p.replicas().size();
            String size = replicas.partition(new TopicPartition(t.name(), p.partition())).map(Partition::log)
                .map(log -> bytes(log.sizeInBytes())).orElse("not hosted here");
            rows.add(List.of(Integer.toString(p.partition()),
                p.leader() < 0 ? "<span class=\"bad\">none (offline)</span>" : Integer.toString(p.leader()),
                Html.escape(p.replicas().toString()),
                "<span class=\"isr\">" + Html.escape(p.isr().toString()) + "</span>"
                    + (under ? " <span class=\"bad\">under-replicated</span>" : ""),
                offset(start.get(p.partition())), offset(end.get(p.partition())), size,
                Html.link("/messages?topic=" + Html.url(t.name()) + "&partition=" + p.partition(), "browse")));
        }
        String body = "<p>Topic id " + Html.escape(t.topicId()) + ". Log start and end are the leader's answers to "
            + "ListOffsets (end = high watermark); size is this node's replica.</p>"
            + Html.table(List.of("Partition", "Leader", "Replicas", "ISR", "Log start", "Log end", "Size on node "
                + cluster.selfId(), "Messages"), rows)
            + "<h2>Config overrides</h2>" + configs(t, viewer)
            + "<h2>Delete</h2><form method=\"post\" action=\"/topics/delete\" id=\"delete-topic\">"
            + Html.hidden("csrf", csrfToken) + Html.hidden("name", t.name())
            + "<button type=\"submit\">Delete topic…</button></form><p>You confirm on the next page.</p>";
        return Html.page("Topic " + t.name(), body);
    }

    private static String offset(Long offset) {
        return offset == null || offset < 0 ? "<i>unknown</i>" : Long.toString(offset);
    }

    private static String configs(TopicInfo t, Viewer viewer) {
        return viewer.allows(AclOperation.DESCRIBE_CONFIGS, AclResourceType.TOPIC, t.name()) ? configs(t.configs())
            : "<i>not shown: needs DESCRIBE_CONFIGS</i>";
    }

    static String configs(Map<String, String> configs) {
        if (configs.isEmpty()) {
            return "<i>defaults</i>";
        }
        StringBuilder out = new StringBuilder();
        new TreeMap<>(configs).forEach((k, v) -> out.append(out.length() == 0 ? "" : "<br>").append(Html.escape(k))
            .append('=').append(Html.escape(v)));
        return out.toString();
    }

    /** {@code 1536} as {@code 1.5 KiB}. */
    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int unit = -1;
        while (v >= 1024 && unit < units.length - 1) {
            v /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[unit]);
    }
}
