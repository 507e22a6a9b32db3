package io.runnel.metadata.controller;

import io.runnel.proto.v1.ErrorCode;

/** A request the controller refuses, with the wire code that says why ({@link MovesRefusedException}: per move). */
public class ControllerException extends RuntimeException {
    private final ErrorCode code;

    public ControllerException(ErrorCode code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }
}
