package io.runnel.client.common;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.runnel.proto.v1.ErrorCode;
import java.util.EnumSet;
import java.util.Set;

/**
 * Which failures the same request can survive if retried, after a metadata refresh and a backoff:
 * the error codes {@code errors.proto} marks retriable, and the gRPC statuses of a broker that is
 * starting, stopping or unreachable. Shared by the producer, the consumer and the admin client so
 * they agree (issue 12: each used to give up on some of these at once).
 */
public final class RetriableErrors {
    private static final Set<ErrorCode> CODES = EnumSet.of(ErrorCode.NOT_LEADER, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        ErrorCode.NOT_ENOUGH_REPLICAS, ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND, ErrorCode.REQUEST_TIMED_OUT,
        ErrorCode.FENCED_LEADER_EPOCH, ErrorCode.UNKNOWN_LEADER_EPOCH, ErrorCode.NOT_REPLICA, ErrorCode.LEADER_NOT_AVAILABLE,
        ErrorCode.NOT_CONTROLLER, ErrorCode.COORDINATOR_NOT_AVAILABLE, ErrorCode.NOT_COORDINATOR,
        ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, ErrorCode.KAFKA_STORAGE_ERROR);
    private static final Set<Status.Code> STATUSES = EnumSet.of(Status.Code.UNAVAILABLE, Status.Code.DEADLINE_EXCEEDED,
        Status.Code.ABORTED, Status.Code.RESOURCE_EXHAUSTED);

    private RetriableErrors() {
    }

    public static boolean isRetriable(ErrorCode code) {
        return CODES.contains(code);
    }

    /** A whole call that failed: retriable for the statuses above and for no bootstrap server answering. */
    public static boolean isRetriable(Throwable failure) {
        if (failure instanceof Bootstrap.ClusterUnreachableException) {
            return true;
        }
        return failure instanceof StatusRuntimeException e && STATUSES.contains(e.getStatus().getCode());
    }
}
