package io.runnel.metadata.acl;

import io.runnel.proto.v1.AclOperation;
import io.runnel.proto.v1.AclPatternType;
import io.runnel.proto.v1.AclPermission;
import io.runnel.proto.v1.AclResourceType;
import io.runnel.security.Principal;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.TreeSet;

/**
 * Every ACL binding of the cluster at one metadata offset, immutable, and Kafka's rule for deciding
 * a call against them (acl.proto): a DENY that applies wins, else an ALLOW that applies, else no.
 * A {@code MetadataImage} keeps the same instance while no ACL record is applied, so a cache of
 * decisions can tell a change by identity.
 */
public final class AclImage {
    public static final AclImage EMPTY = new AclImage(new TreeSet<>());

    private final NavigableSet<AclBinding> bindings;
    /** The bindings by resource type, for decisions (each list in binding order). */
    private final Map<AclResourceType, List<AclBinding>> byType = new EnumMap<>(AclResourceType.class);

    private AclImage(TreeSet<AclBinding> bindings) {
        this.bindings = Collections.unmodifiableNavigableSet(bindings);
        for (AclResourceType type : List.of(AclResourceType.CLUSTER, AclResourceType.TOPIC, AclResourceType.GROUP)) {
            byType.put(type, bindings.stream().filter(b -> b.resourceType() == type).toList());
        }
    }

    public static AclImage of(Iterable<AclBinding> bindings) {
        TreeSet<AclBinding> set = new TreeSet<>();
        bindings.forEach(set::add);
        return new AclImage(set);
    }

    /** Every binding, sorted. */
    public NavigableSet<AclBinding> bindings() {
        return bindings;
    }

    public boolean isEmpty() {
        return bindings.isEmpty();
    }

    /** This image with {@code b} added ({@code this} if it is present). */
    public AclImage with(AclBinding b) {
        if (bindings.contains(b)) {
            return this;
        }
        TreeSet<AclBinding> next = new TreeSet<>(bindings);
        next.add(b);
        return new AclImage(next);
    }

    /** This image without {@code b} ({@code this} if it is absent). */
    public AclImage without(AclBinding b) {
        if (!bindings.contains(b)) {
            return this;
        }
        TreeSet<AclBinding> next = new TreeSet<>(bindings);
        next.remove(b);
        return new AclImage(next);
    }

    /** The bindings {@code filter} matches, sorted. */
    public List<AclBinding> matching(AclFilter filter) {
        return bindings.stream().filter(filter::matches).toList();
    }

    /**
     * Whether {@code caller} may do {@code operation} on the resource {@code name} of {@code type}
     * by the bindings alone (super users are the authorizer's business): no applying DENY of the
     * operation or ALL, and an applying ALLOW of it, of ALL, or of an operation implying it.
     */
    public boolean allows(Principal caller, AclOperation operation, AclResourceType type, String name) {
        boolean allowed = false;
        for (AclBinding b : byType.get(type)) {
            if (!b.appliesTo(caller) || !b.covers(name)) {
                continue;
            }
            if (b.permission() == AclPermission.DENY) {
                if (b.operation() == operation || b.operation() == AclOperation.ALL) {
                    return false;
                }
            } else if (!allowed && implies(b.operation(), operation)) {
                allowed = true;
            }
        }
        return allowed;
    }

    /**
     * Whether {@code caller} may do {@code operation} on some resource of {@code type} (Kafka's
     * authorizeByResourceType, which InitProducerId uses for "WRITE on any topic"): an applying
     * ALLOW of the operation or ALL that no applying DENY of it covers whole (a DENY of literal
     * {@code *}, of the same literal name, or of a prefix of the ALLOW's name or prefix).
     */
    public boolean allowsAny(Principal caller, AclOperation operation, AclResourceType type) {
        List<AclBinding> denies = byType.get(type).stream().filter(b -> b.permission() == AclPermission.DENY
            && b.appliesTo(caller) && (b.operation() == operation || b.operation() == AclOperation.ALL)).toList();
        for (AclBinding allow : byType.get(type)) {
            if (allow.permission() == AclPermission.ALLOW && allow.appliesTo(caller)
                    && (allow.operation() == operation || allow.operation() == AclOperation.ALL)
                    && denies.stream().noneMatch(deny -> coversWhole(deny, allow))) {
                return true;
            }
        }
        return false;
    }

    private static boolean coversWhole(AclBinding deny, AclBinding allow) {
        if (deny.patternType() == AclPatternType.LITERAL) {
            return deny.resourceName().equals(AclBinding.WILDCARD)
                || allow.patternType() == AclPatternType.LITERAL && deny.resourceName().equals(allow.resourceName());
        }
        return !allow.resourceName().equals(AclBinding.WILDCARD) && allow.resourceName().startsWith(deny.resourceName());
    }

    /** Whether an ALLOW of {@code granted} allows {@code wanted}: itself, ALL, and Kafka's implied DESCRIBEs. */
    static boolean implies(AclOperation granted, AclOperation wanted) {
        if (granted == wanted || granted == AclOperation.ALL) {
            return true;
        }
        return switch (wanted) {
            case DESCRIBE -> granted == AclOperation.READ || granted == AclOperation.WRITE || granted == AclOperation.DELETE
                || granted == AclOperation.ALTER;
            case DESCRIBE_CONFIGS -> granted == AclOperation.ALTER_CONFIGS;
            default -> false;
        };
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AclImage other && bindings.equals(other.bindings);
    }

    @Override
    public int hashCode() {
        return bindings.hashCode();
    }

    @Override
    public String toString() {
        return "AclImage" + bindings;
    }
}
