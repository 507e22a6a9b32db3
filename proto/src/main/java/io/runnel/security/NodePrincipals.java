package io.runnel.security;

import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which principals are cluster nodes, and which node each is: a template with {@code {id}} where
 * the node id goes ({@code cluster.principal}, default {@code User:CN=runnel-node-{id}}). Node 3
 * authenticates with a certificate whose principal is {@code User:CN=runnel-node-3}. A template
 * rather than a list: a node added to the cluster needs no setting changed on the others, and the
 * node id is part of the identity, so a broker's {@code replica_id} or {@code broker_id} can be
 * checked against the certificate it connected with.
 */
public final class NodePrincipals {
    /** The placeholder for the node id in a template. */
    public static final String ID = "{id}";
    public static final String DEFAULT_TEMPLATE = "User:CN=runnel-node-{id}";

    private final String template;
    private final Pattern pattern;

    /** @throws IllegalArgumentException if the template is not a principal with exactly one {@code {id}} */
    public NodePrincipals(String template) {
        int at = template.indexOf(ID);
        if (at < 0 || template.indexOf(ID, at + 1) >= 0) {
            throw new IllegalArgumentException("'" + template + "' must hold " + ID + " exactly once, e.g. " + DEFAULT_TEMPLATE);
        }
        Principal.parse(template.replace(ID, "0"));
        this.template = template;
        this.pattern = Pattern.compile(Pattern.quote(template.substring(0, at)) + "(0|[1-9][0-9]{0,8})"
            + Pattern.quote(template.substring(at + ID.length())));
    }

    /** The node id a principal authenticates, or empty if it is not a node's. */
    public OptionalInt nodeId(Principal principal) {
        Matcher m = pattern.matcher(principal.toString());
        return m.matches() ? OptionalInt.of(Integer.parseInt(m.group(1))) : OptionalInt.empty();
    }

    public boolean isNode(Principal principal) {
        return nodeId(principal).isPresent();
    }

    /** The principal of node {@code id}. */
    public Principal principal(int id) {
        return Principal.parse(template.replace(ID, Integer.toString(id)));
    }

    public String template() {
        return template;
    }

    @Override
    public String toString() {
        return template;
    }
}
