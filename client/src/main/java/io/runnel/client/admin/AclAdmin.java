package io.runnel.client.admin;

import io.runnel.client.admin.RunnelAdmin.AdminException;
import io.runnel.proto.v1.AclEntry;
import io.runnel.proto.v1.CreateAclsRequest;
import io.runnel.proto.v1.CreateAclsResponse;
import io.runnel.proto.v1.DeleteAclsRequest;
import io.runnel.proto.v1.DeleteAclsResponse;
import io.runnel.proto.v1.DescribeAclsRequest;
import io.runnel.proto.v1.DescribeAclsResponse;
import java.util.List;

/**
 * The admin client's ACL calls (acl.proto; {@link RunnelAdmin} delegates to them).
 *
 * <p>Thread-safety: safe from any thread.
 */
final class AclAdmin {
    private final AdminCalls calls;

    AclAdmin(AdminCalls calls) {
        this.calls = calls;
    }

    /**
     * Adds ACL bindings, all or none (each field set; adding one that exists is not an error).
     *
     * @throws AdminException INVALID_REQUEST naming the bad binding and field; CLUSTER_AUTHORIZATION_FAILED
     *                        without ALTER on the cluster
     */
    void createAcls(List<AclEntry> acls) {
        CreateAclsRequest request = CreateAclsRequest.newBuilder().addAllAcls(acls).build();
        calls.retrying(() -> {
            CreateAclsResponse r = calls.admin().createAcls(request);
            AdminCalls.checkAnswer(r.getError(), r.getErrorMessage());
            return r;
        });
    }

    /**
     * Removes every binding any filter matches (unset fields match anything).
     *
     * @return the bindings removed
     * @throws AdminException CLUSTER_AUTHORIZATION_FAILED without ALTER on the cluster
     */
    List<AclEntry> deleteAcls(List<AclEntry> filters) {
        DeleteAclsRequest request = DeleteAclsRequest.newBuilder().addAllFilters(filters).build();
        return calls.retrying(() -> {
            DeleteAclsResponse r = calls.admin().deleteAcls(request);
            AdminCalls.checkAnswer(r.getError(), r.getErrorMessage());
            return r.getDeletedList();
        });
    }

    /**
     * The bindings {@code filter} matches (unset fields match anything), as the active controller has them.
     *
     * @throws AdminException CLUSTER_AUTHORIZATION_FAILED without DESCRIBE on the cluster
     */
    List<AclEntry> describeAcls(AclEntry filter) {
        DescribeAclsRequest request = DescribeAclsRequest.newBuilder().setFilter(filter).build();
        return calls.retrying(() -> {
            DescribeAclsResponse r = calls.admin().describeAcls(request);
            AdminCalls.checkAnswer(r.getError(), r.getErrorMessage());
            return r.getAclsList();
        });
    }
}
