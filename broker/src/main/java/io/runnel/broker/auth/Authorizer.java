package io.runnel.broker.auth;

import io.runnel.broker.config.AuthorizerSettings;
import io.runnel.metadata.acl.AclBinding;
import io.runnel.metadata.acl.AclImage;
import io.runnel.proto.v1.AclOperation;
import io.runnel.proto.v1.AclResourceType;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.security.NodePrincipals;
import io.runnel.security.Principal;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Decides whether the caller of a client call may do it, by the ACLs of the broker's metadata
 * image (acl.proto has the rule). Disabled ({@code authorizer.enabled=false}), everything is
 * allowed. Enabled, cluster nodes and super users are allowed everything and anyone else what an
 * ACL allows (no ACL: refused).
 *
 * <p>Decisions are cached per principal, operation and resource, so the Produce and Fetch paths
 * (on the gRPC event loop) pay one hash lookup per topic-partition entry; the cache belongs to the
 * {@link AclImage} instance it was filled from and is dropped when the image has another one (an
 * ACL record was applied). It is also dropped past {@link #MAX_CACHED} decisions, which bounds its
 * memory against callers naming endless topics. Nothing here blocks.
 *
 * <p>Thread-safety: safe from any thread.
 */
public final class Authorizer {
    /** Decisions kept before the cache starts over. */
    static final int MAX_CACHED = 100_000;

    private static final Authorizer DISABLED = new Authorizer(AuthorizerSettings.DISABLED,
        new NodePrincipals(NodePrincipals.DEFAULT_TEMPLATE), () -> AclImage.EMPTY);

    private final AuthorizerSettings settings;
    private final NodePrincipals nodes;
    private final Supplier<AclImage> acls;
    private volatile Decisions decisions = new Decisions(AclImage.EMPTY);

    private record Key(Principal principal, AclOperation operation, AclResourceType type, String name) {
    }

    /** The decisions made against one ACL image. */
    private record Decisions(AclImage acls, ConcurrentHashMap<Key, Boolean> cache) {
        Decisions(AclImage acls) {
            this(acls, new ConcurrentHashMap<>());
        }
    }

    /**
     * @param nodes the cluster's node principals, allowed everything
     * @param acls  the ACLs of the broker's current metadata image
     */
    public Authorizer(AuthorizerSettings settings, NodePrincipals nodes, Supplier<AclImage> acls) {
        this.settings = settings;
        this.nodes = nodes;
        this.acls = acls;
    }

    /** Allows everything: for brokers and tests without ACLs. */
    public static Authorizer disabled() {
        return DISABLED;
    }

    public boolean enabled() {
        return settings.enabled();
    }

    /** Whether {@code caller} may do {@code operation} on the resource {@code name} of {@code type}. */
    public boolean allows(Principal caller, AclOperation operation, AclResourceType type, String name) {
        if (!settings.enabled()) {
            return true;
        }
        Decisions d = current();
        Key key = new Key(caller, operation, type, name);
        Boolean cached = d.cache().get(key);
        if (cached != null) {
            return cached;
        }
        boolean allowed = bypasses(caller) || d.acls().allows(caller, operation, type, name);
        d.cache().put(key, allowed);
        return allowed;
    }

    /**
     * Refuses unless {@code caller} may do {@code operation} on the resource.
     *
     * @throws AuthorizationException naming the principal, the operation and the resource
     */
    public void check(Principal caller, AclOperation operation, AclResourceType type, String name) {
        if (!allows(caller, operation, type, name)) {
            throw refusal(caller, operation, type, name);
        }
    }

    /** Whether {@code caller} may do {@code operation} on the cluster. */
    public boolean allowsOnCluster(Principal caller, AclOperation operation) {
        return allows(caller, operation, AclResourceType.CLUSTER, AclBinding.CLUSTER_NAME);
    }

    /**
     * Whether {@code caller} may obtain a producer id: IDEMPOTENT_WRITE on the cluster, or WRITE on
     * some topic (Kafka's rule for InitProducerId without a transactional id). Not cached: it is
     * asked once per producer, not per batch.
     */
    public boolean allowsIdempotentWrite(Principal caller) {
        return allowsOnCluster(caller, AclOperation.IDEMPOTENT_WRITE)
            || bypasses(caller) || current().acls().allowsAny(caller, AclOperation.WRITE, AclResourceType.TOPIC);
    }

    /** The refusal of {@code caller} doing {@code operation} on a resource, naming all three. */
    public static AuthorizationException refusal(Principal caller, AclOperation operation, AclResourceType type, String name) {
        ErrorCode code = switch (type) {
            case TOPIC -> ErrorCode.TOPIC_AUTHORIZATION_FAILED;
            case GROUP -> ErrorCode.GROUP_AUTHORIZATION_FAILED;
            default -> ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
        };
        String resource = type == AclResourceType.CLUSTER ? "CLUSTER" : type + " " + name;
        return new AuthorizationException(code, caller + " is not allowed " + operation + " on " + resource);
    }

    private boolean bypasses(Principal caller) {
        return settings.superUsers().contains(caller) || nodes.isNode(caller);
    }

    /** The decisions of the image's ACLs, started over if they changed or the cache is full. */
    private Decisions current() {
        Decisions d = decisions;
        AclImage now = acls.get();
        if (d.acls() != now || d.cache().size() > MAX_CACHED) {
            d = new Decisions(now);
            decisions = d;
        }
        return d;
    }
}
