package io.runnel.metadata.controller;

import io.runnel.metadata.acl.AclBinding;
import io.runnel.metadata.acl.AclFilter;
import io.runnel.metadata.acl.AclImage;
import io.runnel.proto.v1.AclEntry;
import io.runnel.proto.v1.AclRecord;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.MetadataBatch;
import io.runnel.proto.v1.MetadataRecord;
import io.runnel.proto.v1.RemoveAclRecord;
import java.util.List;
import java.util.TreeSet;

/** The controller's decisions on ACL calls: the metadata batch that creates or deletes bindings. */
public final class AclChanges {
    private AclChanges() {
    }

    /**
     * One batch adding every binding.
     *
     * @throws ControllerException INVALID_REQUEST naming the first malformed binding and its field, or no bindings
     */
    public static MetadataBatch create(List<AclEntry> acls) {
        if (acls.isEmpty()) {
            throw new ControllerException(ErrorCode.INVALID_REQUEST, "no ACL bindings to create");
        }
        MetadataBatch.Builder batch = MetadataBatch.newBuilder();
        for (int i = 0; i < acls.size(); i++) {
            try {
                AclBinding binding = AclBinding.fromProto(acls.get(i));
                batch.addRecords(MetadataRecord.newBuilder().setAcl(AclRecord.newBuilder().setAcl(binding.toProto())));
            } catch (IllegalArgumentException e) {
                throw new ControllerException(ErrorCode.INVALID_REQUEST, "ACL binding " + (i + 1) + " of " + acls.size()
                    + ": " + e.getMessage());
            }
        }
        return batch.build();
    }

    /**
     * The bindings of {@code image} that any of {@code filters} matches, sorted.
     *
     * @throws ControllerException INVALID_REQUEST for no filters (deleting everything takes one empty filter)
     */
    public static List<AclBinding> matching(AclImage image, List<AclEntry> filters) {
        if (filters.isEmpty()) {
            throw new ControllerException(ErrorCode.INVALID_REQUEST, "no ACL filters: give at least one (an empty one matches all)");
        }
        TreeSet<AclBinding> out = new TreeSet<>();
        filters.forEach(f -> out.addAll(image.matching(new AclFilter(f))));
        return List.copyOf(out);
    }

    /** One batch removing {@code bindings} (non-empty). */
    public static MetadataBatch delete(List<AclBinding> bindings) {
        MetadataBatch.Builder batch = MetadataBatch.newBuilder();
        bindings.forEach(b -> batch.addRecords(MetadataRecord.newBuilder().setRemoveAcl(RemoveAclRecord.newBuilder()
            .setAcl(b.toProto()))));
        return batch.build();
    }
}
