package io.runnel.record;

/** Whose clock a batch's timestamps come from: bit 3 of the attributes. */
public enum TimestampType {
    /** Set by the producer when it created each record. */
    CREATE_TIME,
    /** Set by the partition leader when it appended the batch: the max timestamp holds it. */
    LOG_APPEND_TIME
}
