package io.runnel.broker.auth;

import io.runnel.proto.v1.ErrorCode;

/**
 * A call, or one partition, topic or group of it, refused by the ACLs. The message names the
 * principal, the operation and the resource ("User:CN=alice is not allowed WRITE on TOPIC orders").
 */
public final class AuthorizationException extends RuntimeException {
    private final ErrorCode code;

    public AuthorizationException(ErrorCode code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    /** TOPIC_, GROUP_ or CLUSTER_AUTHORIZATION_FAILED. */
    public ErrorCode code() {
        return code;
    }
}
