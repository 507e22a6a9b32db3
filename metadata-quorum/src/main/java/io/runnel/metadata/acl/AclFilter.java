package io.runnel.metadata.acl;

import io.runnel.proto.v1.AclEntry;
import io.runnel.proto.v1.AclOperation;
import io.runnel.proto.v1.AclPatternType;
import io.runnel.proto.v1.AclPermission;
import io.runnel.proto.v1.AclResourceType;

/**
 * Which bindings a DeleteAcls or DescribeAcls means: an {@link AclEntry} whose unset fields (the
 * enums' "any" value, an empty string) match anything; set fields must be equal (a filter is
 * matched against bindings as they are written, not against the resources they cover).
 */
public record AclFilter(AclEntry entry) {
    /** Matches every binding. */
    public static final AclFilter ANY = new AclFilter(AclEntry.getDefaultInstance());

    public boolean matches(AclBinding b) {
        return (entry.getResourceType() == AclResourceType.ANY_RESOURCE_TYPE || entry.getResourceType() == b.resourceType())
            && (entry.getResourceName().isEmpty() || entry.getResourceName().equals(b.resourceName()))
            && (entry.getPatternType() == AclPatternType.ANY_PATTERN_TYPE || entry.getPatternType() == b.patternType())
            && (entry.getPrincipal().isEmpty() || entry.getPrincipal().equals(b.principal().toString()))
            && (entry.getOperation() == AclOperation.ANY_OPERATION || entry.getOperation() == b.operation())
            && (entry.getPermission() == AclPermission.ANY_PERMISSION || entry.getPermission() == b.permission());
    }
}
