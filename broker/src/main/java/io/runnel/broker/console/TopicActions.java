package io.runnel.broker.console;

import io.runnel.proto.v1.AclOperation;
import io.runnel.proto.v1.AclResourceType;

/**
 * {@code POST /topics/create} and {@code POST /topics/delete}. A first POST only shows what would
 * happen, with a confirm button that posts again with {@code confirm=yes}; only that second POST
 * calls the Admin API. Both carry the console's CSRF token, checked by {@link RequestGuard} before
 * they get here. The viewer needs CREATE on the cluster or the topic, or DELETE on the topic, as
 * CreateTopics and DeleteTopics do; asked before the question is shown.
 */
final class TopicActions {
    /** Kafka's rule for topic names, checked here so a bad one gets a clear page before any call. */
    private static final String NAME = "[a-zA-Z0-9._-]{1,249}";

    private final ClusterApi cluster;
    private final String csrfToken;

    TopicActions(ClusterApi cluster, String csrfToken) {
        this.cluster = cluster;
        this.csrfToken = csrfToken;
    }

    Reply create(Params form, Viewer viewer) {
        String name = form.required("name");
        if (!viewer.allowsOnCluster(AclOperation.CREATE)) {
            viewer.require(AclOperation.CREATE, AclResourceType.TOPIC, name);
        }
        if (!name.matches(NAME)) {
            throw ConsoleError.badRequest("topic name '" + name + "' must be 1-249 characters of a-z, A-Z, 0-9, '.', '_' and '-'");
        }
        int partitions = form.intIn("partitions", 1, 1, 1_000_000);
        int replication = form.intIn("replication", 1, 1, Short.MAX_VALUE);
        if (!"yes".equals(form.text("confirm", ""))) {
            return Reply.html(confirm("Create topic " + name + "?", "/topics/create",
                "Create topic <b>" + Html.escape(name) + "</b> with " + partitions + " partition(s), replication factor "
                    + replication + "?", Html.hidden("name", name) + Html.hidden("partitions", Integer.toString(partitions))
                    + Html.hidden("replication", Integer.toString(replication)), "/topics"));
        }
        cluster.createTopic(name, partitions, replication);
        return Reply.seeOther("/topic?name=" + Html.url(name));
    }

    Reply delete(Params form, Viewer viewer) {
        String name = form.required("name");
        viewer.require(AclOperation.DELETE, AclResourceType.TOPIC, name);
        cluster.topic(name);
        if (!"yes".equals(form.text("confirm", ""))) {
            return Reply.html(confirm("Delete topic " + name + "?", "/topics/delete",
                "Delete topic <b>" + Html.escape(name) + "</b> and every record in it? This cannot be undone.",
                Html.hidden("name", name), "/topic?name=" + Html.url(name)));
        }
        cluster.deleteTopic(name);
        return Reply.seeOther("/topics");
    }

    private String confirm(String title, String action, String questionHtml, String fieldsHtml, String cancel) {
        return Html.page(title, "<p>" + questionHtml + "</p><form method=\"post\" action=\"" + Html.escape(action)
            + "\" id=\"confirm\">" + Html.hidden("csrf", csrfToken) + fieldsHtml + Html.hidden("confirm", "yes")
            + "<button type=\"submit\" id=\"confirm-button\">Confirm</button> " + Html.link(cancel, "Cancel") + "</form>");
    }
}
