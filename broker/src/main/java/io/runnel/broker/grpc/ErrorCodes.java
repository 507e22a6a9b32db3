package io.runnel.broker.grpc;

import io.runnel.broker.auth.AuthorizationException;
import io.runnel.broker.partition.PartitionException;
import io.runnel.broker.replica.BrokerNotReadyException;
import io.runnel.broker.replica.KafkaStorageException;
import io.runnel.broker.replica.NotEnoughReplicasAfterAppendException;
import io.runnel.broker.replica.RecordTooLargeException;
import io.runnel.broker.replica.RequestTimedOutException;
import io.runnel.broker.replica.UnknownTopicOrPartitionException;
import io.runnel.log.InvalidOffsetException;
import io.runnel.log.OffsetOutOfRangeException;
import io.runnel.metadata.controller.ControllerException;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.LeaderHint;
import io.runnel.record.CorruptBatchException;

/** Maps the broker's exceptions to wire error codes (errors.proto documents each code). */
final class ErrorCodes {
    private ErrorCodes() {
    }

    static ErrorCode of(Throwable error) {
        if (error == null) {
            return ErrorCode.NONE;
        }
        if (error instanceof PartitionException.NotLeaderException) {
            return ErrorCode.NOT_LEADER;
        }
        if (error instanceof PartitionException.NotEnoughReplicasException) {
            return ErrorCode.NOT_ENOUGH_REPLICAS;
        }
        if (error instanceof NotEnoughReplicasAfterAppendException) {
            return ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND;
        }
        if (error instanceof PartitionException.FencedLeaderEpochException) {
            return ErrorCode.FENCED_LEADER_EPOCH;
        }
        if (error instanceof PartitionException.UnknownLeaderEpochException) {
            return ErrorCode.UNKNOWN_LEADER_EPOCH;
        }
        if (error instanceof PartitionException.NotReplicaException) {
            return ErrorCode.NOT_REPLICA;
        }
        if (error instanceof PartitionException.OutOfOrderSequenceException) {
            return ErrorCode.OUT_OF_ORDER_SEQUENCE;
        }
        if (error instanceof PartitionException.InvalidProducerEpochException) {
            return ErrorCode.INVALID_PRODUCER_EPOCH;
        }
        if (error instanceof KafkaStorageException) {
            return ErrorCode.KAFKA_STORAGE_ERROR;
        }
        if (error instanceof BrokerNotReadyException) {
            return ErrorCode.LEADER_NOT_AVAILABLE;
        }
        if (error instanceof UnknownTopicOrPartitionException) {
            return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        }
        if (error instanceof RequestTimedOutException) {
            return ErrorCode.REQUEST_TIMED_OUT;
        }
        if (error instanceof RecordTooLargeException) {
            return ErrorCode.RECORD_TOO_LARGE;
        }
        if (error instanceof CorruptBatchException) {
            return ErrorCode.CORRUPT_RECORD;
        }
        if (error instanceof OffsetOutOfRangeException) {
            return ErrorCode.OFFSET_OUT_OF_RANGE;
        }
        if (error instanceof AuthorizationException e) {
            return e.code();
        }
        if (error instanceof ControllerException e) {
            return e.code(); // INVALID_TOPIC for a name that can never be a topic's
        }
        if (error instanceof IllegalArgumentException || error instanceof InvalidOffsetException) {
            return ErrorCode.INVALID_REQUEST;
        }
        return ErrorCode.UNKNOWN_SERVER_ERROR;
    }

    static String message(Throwable error) {
        return error == null || error.getMessage() == null ? "" : error.getMessage();
    }

    /** The leader hint for errors that carry one, else null. */
    static LeaderHint hint(Throwable error) {
        if (error instanceof PartitionException.NotLeaderException e) {
            return LeaderHint.newBuilder().setLeaderId(e.leaderId()).setLeaderEpoch(e.leaderEpoch()).build();
        }
        return null;
    }
}
