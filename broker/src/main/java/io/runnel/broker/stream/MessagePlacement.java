package io.runnel.broker.stream;

import io.runnel.metadata.controller.ControllerException;
import io.runnel.metadata.controller.ControllerLogic;
import io.runnel.partitioning.KeyPartitioning;
import io.runnel.proto.v1.PublishMessage;
import io.runnel.proto.v1.Record;

/**
 * Which partition of its (known) topic a Publish message goes to, or why it goes nowhere: the
 * partition it names, else its key's (as the Java client places keyed records), else its
 * sequence's turn round the partitions. Pure: no state, so each rule is tested directly.
 *
 * @param partition the partition, or -1 when refused
 * @param refusal   why the message cannot be placed (answered as INVALID_REQUEST), or null
 */
record MessagePlacement(int partition, String refusal) {
    static MessagePlacement to(int partition) {
        return new MessagePlacement(partition, null);
    }

    static MessagePlacement refused(String why) {
        return new MessagePlacement(-1, why);
    }

    boolean isRefused() {
        return refusal != null;
    }

    /** Places {@code m} in its topic, which exists with {@code count} partitions. */
    static MessagePlacement of(PublishMessage m, int count) {
        if (ControllerLogic.INTERNAL_TOPICS.contains(m.getTopic())) {
            return refused(m.getTopic() + " is internal: only the brokers write to it");
        }
        if (m.getRecordsCount() == 0) {
            return refused("message " + m.getSequence() + " has no records");
        }
        if (m.hasPartition()) {
            int partition = m.getPartition();
            if (partition < 0 || partition >= count) {
                return refused("partition " + partition + " is outside " + m.getTopic() + " (partitions 0-" + (count - 1) + ")");
            }
            return to(partition);
        }
        Record first = m.getRecords(0);
        for (Record r : m.getRecordsList()) {
            if (r.hasKey() != first.hasKey() || !r.getKey().equals(first.getKey())) {
                return refused("message " + m.getSequence() + " has records with different keys and "
                    + "no partition: send one key per message, or name the partition");
            }
        }
        return to(first.hasKey() ? KeyPartitioning.forKey(first.getKey().toByteArray(), count)
            : (int) Math.floorMod(m.getSequence(), (long) count));
    }

    /** Why {@code name} can never be a topic, or null if it can (then it may just not exist yet). */
    static String invalidTopic(String name) {
        try {
            ControllerLogic.validateTopicName(name);
            return null;
        } catch (ControllerException e) {
            return e.getMessage();
        }
    }
}
