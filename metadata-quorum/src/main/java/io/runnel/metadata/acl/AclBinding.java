package io.runnel.metadata.acl;

import io.runnel.proto.v1.AclEntry;
import io.runnel.proto.v1.AclOperation;
import io.runnel.proto.v1.AclPatternType;
import io.runnel.proto.v1.AclPermission;
import io.runnel.proto.v1.AclResourceType;
import io.runnel.security.Principal;
import java.util.Comparator;

/**
 * One ACL binding: {@code principal} is {@code permission}ed {@code operation} on the resources
 * {@code resourceName} matches as {@code patternType} says (acl.proto has the rules). Every field
 * is set: the "any" values of the enums are for filters ({@link AclFilter}) only.
 */
public record AclBinding(AclResourceType resourceType, String resourceName, AclPatternType patternType, Principal principal,
                         AclOperation operation, AclPermission permission) implements Comparable<AclBinding> {
    /** The one name of the CLUSTER resource (Kafka's). */
    public static final String CLUSTER_NAME = "kafka-cluster";
    /** A LITERAL name, and a principal name, that stand for any. */
    public static final String WILDCARD = "*";

    private static final Comparator<AclBinding> ORDER = Comparator.comparing(AclBinding::resourceType)
        .thenComparing(AclBinding::resourceName).thenComparing(AclBinding::patternType)
        .thenComparing(b -> b.principal().toString()).thenComparing(AclBinding::operation).thenComparing(AclBinding::permission);

    /** @throws IllegalArgumentException naming the field that is unset or invalid */
    public AclBinding {
        require(resourceType != null && resourceType != AclResourceType.ANY_RESOURCE_TYPE
            && resourceType != AclResourceType.UNRECOGNIZED, "resource_type", "CLUSTER, TOPIC or GROUP");
        require(resourceName != null && !resourceName.isEmpty(), "resource_name", "a name, a prefix or *");
        require(patternType != null && patternType != AclPatternType.ANY_PATTERN_TYPE
            && patternType != AclPatternType.UNRECOGNIZED, "pattern_type", "LITERAL or PREFIXED");
        require(principal != null, "principal", "<type>:<name>, e.g. User:CN=alice");
        require(operation != null && operation != AclOperation.ANY_OPERATION && operation != AclOperation.UNRECOGNIZED,
            "operation", "one of ALL, READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE, DESCRIBE_CONFIGS, ALTER_CONFIGS, "
                + "CLUSTER_ACTION, IDEMPOTENT_WRITE");
        require(permission != null && permission != AclPermission.ANY_PERMISSION && permission != AclPermission.UNRECOGNIZED,
            "permission", "ALLOW or DENY");
        if (resourceType == AclResourceType.CLUSTER && (patternType != AclPatternType.LITERAL
                || !resourceName.equals(CLUSTER_NAME))) {
            throw new IllegalArgumentException("a CLUSTER binding must be LITERAL " + CLUSTER_NAME + ", got " + patternType
                + " " + resourceName);
        }
    }

    private static void require(boolean ok, String field, String expected) {
        if (!ok) {
            throw new IllegalArgumentException(field + " must be " + expected);
        }
    }

    /**
     * The binding an {@link AclEntry} describes.
     *
     * @throws IllegalArgumentException naming the field that is unset or invalid
     */
    public static AclBinding fromProto(AclEntry entry) {
        if (entry.getPrincipal().isEmpty()) {
            throw new IllegalArgumentException("principal must be <type>:<name>, e.g. User:CN=alice; it is empty");
        }
        return new AclBinding(entry.getResourceType(), entry.getResourceName(), entry.getPatternType(),
            Principal.parse(entry.getPrincipal()), entry.getOperation(), entry.getPermission());
    }

    public AclEntry toProto() {
        return AclEntry.newBuilder().setResourceType(resourceType).setResourceName(resourceName).setPatternType(patternType)
            .setPrincipal(principal.toString()).setOperation(operation).setPermission(permission).build();
    }

    /** Whether this binding's principal is {@code caller}'s, or the wildcard of its type. */
    boolean appliesTo(Principal caller) {
        return principal.type().equals(caller.type())
            && (principal.name().equals(WILDCARD) || principal.name().equals(caller.name()));
    }

    /** Whether this binding's pattern covers the resource {@code name} of its type. */
    boolean covers(String name) {
        return patternType == AclPatternType.PREFIXED ? name.startsWith(resourceName)
            : resourceName.equals(WILDCARD) || resourceName.equals(name);
    }

    @Override
    public int compareTo(AclBinding other) {
        return ORDER.compare(this, other);
    }

    /** As the CLI prints it: {@code ALLOW User:CN=alice WRITE on TOPIC orders (LITERAL)}. */
    @Override
    public String toString() {
        return permission + " " + principal + " " + operation + " on " + resourceType + " " + resourceName + " (" + patternType + ")";
    }
}
