package io.runnel.client.producer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runnel.client.common.TopicPartition;
import io.runnel.client.producer.PartitionSequences.Stamp;
import org.junit.jupiter.api.Test;

class PartitionSequencesTest {
    private final TopicPartition p0 = new TopicPartition("t", 0);
    private final TopicPartition p1 = new TopicPartition("t", 1);

    @Test
    void stamp_numbersEachPartitionFromZeroUnderTheGrantedId() {
        PartitionSequences sequences = new PartitionSequences();
        assertTrue(sequences.needsProducerId());
        assertThrows(IllegalStateException.class, () -> sequences.stamp(p0, 1));
        sequences.producerIdGranted(7, (short) 0);
        assertFalse(sequences.needsProducerId());
        assertEquals(new Stamp(7, (short) 0, 0), sequences.stamp(p0, 3));
        assertEquals(new Stamp(7, (short) 0, 3), sequences.stamp(p0, 2));
        assertEquals(new Stamp(7, (short) 0, 0), sequences.stamp(p1, 5));
    }

    @Test
    void reset_movesOnlyThatPartitionToTheNextEpochAtZero() {
        PartitionSequences sequences = new PartitionSequences();
        sequences.producerIdGranted(7, (short) 0);
        sequences.stamp(p0, 10);
        sequences.stamp(p1, 10);
        sequences.reset(p0);
        assertEquals(new Stamp(7, (short) 1, 0), sequences.stamp(p0, 4));
        assertEquals(new Stamp(7, (short) 1, 4), sequences.stamp(p0, 1));
        assertEquals(new Stamp(7, (short) 0, 10), sequences.stamp(p1, 1), "other partitions keep their numbers");
    }

    @Test
    void reset_ofAPartitionNeverStamped_changesNothing() {
        PartitionSequences sequences = new PartitionSequences();
        sequences.producerIdGranted(7, (short) 0);
        sequences.reset(p0);
        assertEquals(new Stamp(7, (short) 0, 0), sequences.stamp(p0, 1));
    }

    @Test
    void reset_pastTheLastEpoch_waitsForANewProducerId() {
        PartitionSequences sequences = new PartitionSequences();
        sequences.producerIdGranted(7, (short) (Short.MAX_VALUE - 1));
        sequences.stamp(p0, 1);
        sequences.stamp(p1, 1);
        sequences.reset(p0);
        assertEquals(new Stamp(7, Short.MAX_VALUE, 0), sequences.stamp(p0, 1));
        sequences.reset(p0);
        assertTrue(sequences.needsProducerId());
        assertFalse(sequences.canStamp(p0));
        assertTrue(sequences.canStamp(p1));
        assertEquals(new Stamp(7, (short) (Short.MAX_VALUE - 1), 1), sequences.stamp(p1, 1), "p1 goes on with its id");
        sequences.producerIdGranted(8, (short) 0);
        assertEquals(new Stamp(8, (short) 0, 0), sequences.stamp(p0, 1));
    }

    @Test
    void stamp_wrapsTheSequencePastIntegerMax() {
        PartitionSequences sequences = new PartitionSequences();
        sequences.producerIdGranted(7, (short) 0);
        sequences.stamp(p0, Integer.MAX_VALUE);
        assertEquals(new Stamp(7, (short) 0, Integer.MAX_VALUE), sequences.stamp(p0, 2));
        assertEquals(new Stamp(7, (short) 0, 1), sequences.stamp(p0, 1));
    }
}
