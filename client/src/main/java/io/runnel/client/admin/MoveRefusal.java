package io.runnel.client.admin;

import io.runnel.client.common.TopicPartition;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.ReassignmentRefusal;

/**
 * A move that the controller refused in {@link RunnelAdmin#reassignPartitions} or
 * {@link RunnelAdmin#cancelReassignments}, with its code and reason (a broker not live, a move
 * already under way or none to cancel, an unknown partition). A refusal of any move means none of
 * the request's moves was made.
 */
public record MoveRefusal(TopicPartition partition, ErrorCode error, String message) {
    static MoveRefusal of(ReassignmentRefusal r) {
        return new MoveRefusal(new TopicPartition(r.getTopic(), r.getPartition()), r.getError(), r.getErrorMessage());
    }
}
