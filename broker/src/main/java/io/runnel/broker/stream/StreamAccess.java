package io.runnel.broker.stream;

import io.grpc.Status;
import io.runnel.broker.auth.AuthorizationException;
import io.runnel.broker.auth.Authorizer;
import io.runnel.broker.auth.ProducerIdOwnership;
import io.runnel.proto.v1.AclOperation;
import io.runnel.proto.v1.AclResourceType;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.security.Principal;
import java.util.List;

/**
 * What the caller of one stream may do. A session calls Produce, Fetch and the Group service as
 * its broker (a cluster node, which the leaders do not check), so it checks its caller itself,
 * with the same ACLs and the same refusals as those unary calls: WRITE on the topic per Publish
 * message, IDEMPOTENT_WRITE (or WRITE on some topic) to open a Publish stream, the producer id of
 * a resumed one, and READ on the group and each topic to subscribe (and on the topic per fetch,
 * so a READ taken away stops the delivery). Decisions come from the {@link Authorizer}'s cache.
 *
 * @param caller      the principal the stream was opened by
 * @param authorizer  the broker's ACL checks
 * @param producerIds the producer ids' owners
 */
record StreamAccess(Principal caller, Authorizer authorizer, ProducerIdOwnership producerIds) {
    /** The refusal of a Publish message to {@code topic}, or null if the caller may write to it. */
    AuthorizationException refusedWrite(String topic) {
        return authorizer.allows(caller, AclOperation.WRITE, AclResourceType.TOPIC, topic) ? null
            : Authorizer.refusal(caller, AclOperation.WRITE, AclResourceType.TOPIC, topic);
    }

    /**
     * Why the caller may not open a Publish stream (as InitProducerId refuses it), or may not
     * resume producer {@code resumedId} (an id InitProducerId gave someone else; -1: a new
     * producer); null if it may.
     */
    Status refusedPublish(long resumedId) {
        if (!authorizer.allowsIdempotentWrite(caller)) {
            return denied(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, Authorizer.refusal(caller, AclOperation.IDEMPOTENT_WRITE,
                AclResourceType.CLUSTER, "").getMessage() + " (nor WRITE on any topic)");
        }
        if (resumedId >= 0 && producerIds.enforced() && !producerIds.owns(caller, resumedId)) {
            return denied(ErrorCode.INVALID_PRODUCER_ID_MAPPING, ProducerIdOwnership.refusal(caller, resumedId).getMessage());
        }
        return null;
    }

    /** The producer id for the caller with the number of {@code issued}, which InitProducerId gave this broker. */
    long producerIdOf(long issued) {
        return producerIds.reissue(issued, caller);
    }

    /** Why the caller may not subscribe to {@code topics} as a member of {@code group}; null if it may. */
    Status refusedSubscribe(String group, List<String> topics) {
        if (!authorizer.allows(caller, AclOperation.READ, AclResourceType.GROUP, group)) {
            return denied(ErrorCode.GROUP_AUTHORIZATION_FAILED,
                Authorizer.refusal(caller, AclOperation.READ, AclResourceType.GROUP, group).getMessage());
        }
        for (String topic : topics) {
            AuthorizationException refused = refusedRead(topic);
            if (refused != null) {
                return denied(refused.code(), refused.getMessage());
            }
        }
        return null;
    }

    /** The refusal of reading {@code topic}, or null if the caller may. */
    AuthorizationException refusedRead(String topic) {
        return authorizer.allows(caller, AclOperation.READ, AclResourceType.TOPIC, topic) ? null
            : Authorizer.refusal(caller, AclOperation.READ, AclResourceType.TOPIC, topic);
    }

    /** PERMISSION_DENIED, described by the error code the unary call answers and its message. */
    private static Status denied(ErrorCode code, String message) {
        return Status.PERMISSION_DENIED.withDescription(code + ": " + message);
    }
}
