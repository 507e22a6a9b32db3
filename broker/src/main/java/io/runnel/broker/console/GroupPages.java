package io.runnel.broker.console;

import io.runnel.proto.v1.AclOperation;
import io.runnel.proto.v1.AclResourceType;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code /groups} (every consumer group with its state, member count and coordinator) and
 * {@code /group?id=} (members and their assignments, and per partition the committed offset, the
 * log end and the lag, computed as {@code runnel group describe} computes them). As ListGroups,
 * the list shows every group to a viewer with DESCRIBE on the cluster, else the groups it may
 * DESCRIBE; a group's page needs DESCRIBE on it (DescribeGroups, OffsetFetch) and, as OffsetFetch,
 * shows offsets only of the topics the viewer may DESCRIBE.
 */
final class GroupPages {
    private final GroupApi groups;

    GroupPages(GroupApi groups) {
        this.groups = groups;
    }

    String list(Viewer viewer) {
        List<String> failures = new ArrayList<>();
        List<List<String>> rows = new ArrayList<>();
        boolean all = viewer.allowsOnCluster(AclOperation.DESCRIBE);
        for (GroupApi.GroupSummary g : groups.list(failures)) {
            if (!all && !viewer.allows(AclOperation.DESCRIBE, AclResourceType.GROUP, g.groupId())) {
                continue;
            }
            rows.add(List.of("<span class=\"group-id\">" + Html.link("/group?id=" + Html.url(g.groupId()), g.groupId()) + "</span>",
                Html.escape(g.state()), Integer.toString(g.members()), "node " + g.coordinator()));
        }
        StringBuilder body = new StringBuilder();
        failures.forEach(f -> body.append("<p class=\"error\">").append(Html.escape(f)).append("</p>"));
        body.append(rows.isEmpty() ? "<p>No consumer groups.</p>"
            : Html.table(List.of("Group", "State", "Members", "Coordinator"), rows));
        return Html.page("Consumer groups", body.toString());
    }

    /** @throws ConsoleError 403 unless the viewer may DESCRIBE the group */
    String group(Params params, Viewer viewer) {
        String id = params.required("id");
        viewer.require(AclOperation.DESCRIBE, AclResourceType.GROUP, id);
        GroupApi.GroupView g = groups.describe(id);
        List<GroupApi.LagRow> visible = g.partitions().stream().filter(r -> viewer.mayDescribeTopic(r.topic())).toList();
        StringBuilder body = new StringBuilder();
        body.append(Html.table(List.of("State", "Group epoch", "Assignor", "Coordinator", "Total lag"), List.of(List.of(
            "<span id=\"group-state\">" + Html.escape(g.state()) + "</span>", Integer.toString(g.epoch()),
            Html.escape(g.assignor()), "node " + g.coordinator(), "<span id=\"total-lag\">" + total(visible) + "</span>"))));
        List<List<String>> members = new ArrayList<>();
        for (GroupApi.MemberView m : g.members()) {
            members.add(List.of(Html.escape(m.memberId()), Html.escape(m.clientId()), Integer.toString(m.epoch()),
                Html.escape(String.join(", ", m.assignment()))));
        }
        body.append("<h2>Members</h2>").append(members.isEmpty() ? "<p>No members.</p>"
            : Html.table(List.of("Member", "Client id", "Epoch", "Assignment"), members));
        List<List<String>> lag = new ArrayList<>();
        for (GroupApi.LagRow r : visible) {
            String rowId = "lag-" + r.topic() + "-" + r.partition();
            lag.add(List.of(Html.escape(r.topic()), Integer.toString(r.partition()),
                r.committed() < 0 ? "<i>none</i>" : Long.toString(r.committed()),
                r.logEnd() < 0 ? "<i>unknown</i>" : Long.toString(r.logEnd()),
                "<span class=\"lag\" id=\"" + Html.escape(rowId) + "\">" + (r.lag() < 0 ? "unknown" : Long.toString(r.lag()))
                    + "</span>", Html.escape(r.memberId())));
        }
        body.append("<h2>Offsets and lag</h2>").append(lag.isEmpty() ? "<p>No committed offsets.</p>"
            : Html.table(List.of("Topic", "Partition", "Committed", "Log end", "Lag", "Owner"), lag));
        return Html.page("Group " + g.groupId(), body.toString());
    }

    private static String total(List<GroupApi.LagRow> rows) {
        long sum = 0;
        for (GroupApi.LagRow r : rows) {
            if (r.lag() < 0) {
                return "unknown";
            }
            sum += r.lag();
        }
        return Long.toString(sum);
    }
}
