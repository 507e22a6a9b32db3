package io.runnel.broker.console;

import io.runnel.broker.auth.Authorizer;
import io.runnel.metadata.acl.AclBinding;
import io.runnel.proto.v1.AclOperation;
import io.runnel.proto.v1.AclResourceType;
import io.runnel.security.Principal;

/**
 * Who asks for a console page, and what the node's {@link Authorizer} lets that principal see or
 * do: the same decisions the API makes for the equivalent call (super users and nodes pass; with
 * the authorizer off, everyone). Over HTTPS the principal is the browser's client certificate;
 * the plain-HTTP console (only allowed on loopback while the authorizer is on) asks nothing.
 *
 * @param principal  the browser's principal ({@link Principal#ANONYMOUS} without a certificate)
 * @param authorizer the node's authorizer, or {@link Authorizer#disabled()} to allow everything
 */
record Viewer(Principal principal, Authorizer authorizer) {
    /** A viewer allowed everything: the plain-HTTP console. */
    static Viewer unchecked() {
        return new Viewer(Principal.ANONYMOUS, Authorizer.disabled());
    }

    boolean allows(AclOperation operation, AclResourceType type, String name) {
        return authorizer.allows(principal, operation, type, name);
    }

    boolean allowsOnCluster(AclOperation operation) {
        return authorizer.allowsOnCluster(principal, operation);
    }

    /** Whether the topic may be listed at all (Metadata and DescribeCluster leave the others out). */
    boolean mayDescribeTopic(String topic) {
        return allows(AclOperation.DESCRIBE, AclResourceType.TOPIC, topic);
    }

    /**
     * Refuses unless the principal may do {@code operation} on the resource.
     *
     * @throws ConsoleError 403 naming the principal, the operation and the resource
     */
    void require(AclOperation operation, AclResourceType type, String name) {
        if (!allows(operation, type, name)) {
            throw new ConsoleError(403, Authorizer.refusal(principal, operation, type, name).getMessage());
        }
    }

    /** @throws ConsoleError 403 unless the principal may do {@code operation} on the cluster */
    void requireOnCluster(AclOperation operation) {
        require(operation, AclResourceType.CLUSTER, AclBinding.CLUSTER_NAME);
    }
}
