package io.runnel.broker.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.runnel.broker.partition.TopicPartition;
import io.runnel.log.EpochEndOffset;
import org.junit.jupiter.api.Test;

/** A leader repeating the same diverging answer to the same fetch costs doubling pauses, not a spin. */
class DivergenceBackoffTest {
    private static final TopicPartition TP = new TopicPartition("t", 0);

    @Test
    void theSameAnswerAtTheSamePlace_doublesThePauseUpToTheBound() {
        DivergenceBackoff backoff = new DivergenceBackoff(100, 1000);
        EpochEndOffset answer = new EpochEndOffset(0, 3);
        assertEquals(0, backoff.onDiverged(TP, 3, 1, answer), "the first answer is acted on at once");
        assertEquals(100, backoff.onDiverged(TP, 3, 1, answer));
        assertEquals(200, backoff.onDiverged(TP, 3, 1, answer));
        assertEquals(400, backoff.onDiverged(TP, 3, 1, answer));
        assertEquals(800, backoff.onDiverged(TP, 3, 1, answer));
        assertEquals(1000, backoff.onDiverged(TP, 3, 1, answer));
        assertEquals(1000, backoff.onDiverged(TP, 3, 1, answer));
        assertEquals(6, backoff.repeats(TP));
    }

    @Test
    void progress_orAnotherPlace_startsOver() {
        DivergenceBackoff backoff = new DivergenceBackoff(100, 1000);
        EpochEndOffset answer = new EpochEndOffset(0, 3);
        backoff.onDiverged(TP, 3, 1, answer);
        assertEquals(100, backoff.onDiverged(TP, 3, 1, answer));
        // A truncation that moved us (an intermediate step one epoch back) is a new place.
        assertEquals(0, backoff.onDiverged(TP, 3, 0, new EpochEndOffset(0, 2)));
        assertEquals(100, backoff.onDiverged(TP, 3, 0, new EpochEndOffset(0, 2)));
        backoff.reset(TP);
        assertEquals(0, backoff.onDiverged(TP, 3, 0, new EpochEndOffset(0, 2)));
        assertEquals(0, backoff.repeats(TP));
    }
}
