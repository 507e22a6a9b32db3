package io.runnel.client.admin;

import io.runnel.proto.v1.ErrorCode;

/**
 * How one move of {@link RunnelAdmin#reassignPartitions} ended: started (error NONE), or refused
 * by the controller with its code and message (a broker not live, a move already under way, an
 * unknown partition). A started move completes by itself ({@link RunnelAdmin#listReassignments}).
 */
public record MoveOutcome(PartitionMove move, ErrorCode error, String message) {
    public boolean started() {
        return error == ErrorCode.NONE;
    }
}
