package io.runnel.broker.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.runnel.partitioning.KeyPartitioning;
import io.runnel.proto.v1.PublishMessage;
import io.runnel.proto.v1.Record;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class MessagePlacementTest {
    private static Record keyed(String key) {
        return Record.newBuilder().setKey(ByteString.copyFromUtf8(key)).setValue(ByteString.copyFromUtf8("v")).build();
    }

    private static final Record UNKEYED = Record.newBuilder().setValue(ByteString.copyFromUtf8("v")).build();

    private static PublishMessage.Builder message(long sequence, Record... records) {
        return PublishMessage.newBuilder().setSequence(sequence).setTopic("t").addAllRecords(List.of(records));
    }

    @Test
    void aNamedPartition_isKept_andOneOutsideTheTopicIsRefused() {
        assertEquals(MessagePlacement.to(2), MessagePlacement.of(message(0, keyed("k")).setPartition(2).build(), 3));
        MessagePlacement outside = MessagePlacement.of(message(0, UNKEYED).setPartition(3).build(), 3);
        assertTrue(outside.isRefused());
        assertEquals("partition 3 is outside t (partitions 0-2)", outside.refusal());
        assertTrue(MessagePlacement.of(message(0, UNKEYED).setPartition(-1).build(), 3).isRefused());
    }

    @Test
    void aKeyedMessage_goesWhereTheJavaClientPutsItsKey() {
        for (String key : new String[] {"alice", "bob", "carol", ""}) {
            assertEquals(KeyPartitioning.forKey(key.getBytes(StandardCharsets.UTF_8), 7),
                MessagePlacement.of(message(5, keyed(key), keyed(key)).build(), 7).partition(), key);
        }
    }

    @Test
    void anUnkeyedMessage_goesRoundThePartitionsBySequence() {
        assertEquals(0, MessagePlacement.of(message(0, UNKEYED).build(), 3).partition());
        assertEquals(1, MessagePlacement.of(message(4, UNKEYED).build(), 3).partition());
        assertEquals(2, MessagePlacement.of(message(-1, UNKEYED).build(), 3).partition(), "a negative sequence wraps too");
    }

    @Test
    void mixedKeys_noRecords_andTheInternalTopic_areRefusedNamingWhy() {
        assertEquals("message 9 has records with different keys and no partition: send one key per message, or name the "
            + "partition", MessagePlacement.of(message(9, keyed("a"), keyed("b")).build(), 3).refusal());
        assertTrue(MessagePlacement.of(message(9, keyed("a"), UNKEYED).build(), 3).isRefused(), "a key and none differ too");
        assertFalse(MessagePlacement.of(message(9, keyed("a"), keyed("b")).setPartition(1).build(), 3).isRefused(),
            "with a partition named, keys may differ");
        assertEquals("message 4 has no records", MessagePlacement.of(message(4).build(), 3).refusal());
        assertEquals("__consumer_offsets is internal: only the brokers write to it",
            MessagePlacement.of(message(1, UNKEYED).setTopic("__consumer_offsets").build(), 3).refusal());
    }

    @Test
    void invalidTopic_namesWhatIsWrong_andIsNullForAName() {
        assertNull(MessagePlacement.invalidTopic("orders.eu-1"));
        assertEquals("topic name 'has space' has characters outside [a-zA-Z0-9._-]", MessagePlacement.invalidTopic("has space"));
    }
}
