package io.runnel.broker.replica;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.runnel.broker.partition.TopicPartition;
import io.runnel.log.MutableClock;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The token bucket of a moved partition: who it holds back, how it refills, and that it ends with the move. */
class ReassignmentThrottleTest {
    private static final TopicPartition TP = new TopicPartition("t", 0);
    private static final List<Integer> ISR = List.of(1, 2);

    private final MutableClock clock = new MutableClock(0);
    private final ReassignmentThrottle throttle = new ReassignmentThrottle(clock);

    @Test
    void onlyTheAddedReplicaOutOfTheIsrIsHeldBack_andTheBucketRefillsAtTheRate() {
        throttle.apply(Map.of(TP, new ReassignmentThrottle.Setting(1000, Set.of(3))));
        assertEquals(1 << 20, throttle.limit(TP, 2, ISR, 1 << 20), "a normal follower is not throttled");
        assertEquals(1 << 20, throttle.limit(new TopicPartition("t", 1), 3, ISR, 1 << 20), "another partition is not");
        assertEquals(1000, throttle.limit(TP, 3, ISR, 1 << 20), "one second of the rate to start with");

        throttle.sent(TP, 3, ISR, 1500); // a first batch larger than the bucket goes whole
        throttle.sent(TP, 2, ISR, 7000);
        assertEquals(0, throttle.limit(TP, 3, ISR, 1 << 20));
        assertEquals(1, throttle.heldBackFetches());
        clock.advance(500); // back to 0
        assertEquals(0, throttle.limit(TP, 3, ISR, 1 << 20));
        clock.advance(250);
        assertEquals(250, throttle.limit(TP, 3, ISR, 1 << 20));
        clock.advance(60_000);
        assertEquals(1000, throttle.limit(TP, 3, ISR, 1 << 20), "never more than one second's worth");
        assertEquals(1500, throttle.throttledBytes());
        assertEquals(1500, throttle.throttledBytes(3));
        assertEquals(0, throttle.throttledBytes(2));

        assertEquals(1 << 20, throttle.limit(TP, 3, List.of(1, 2, 3), 1 << 20), "in the ISR: not held back");
        throttle.apply(Map.of());
        assertEquals(1 << 20, throttle.limit(TP, 3, ISR, 1 << 20), "the move ended");
        assertEquals(Map.of(), throttle.settings());
        assertThrows(IllegalArgumentException.class, () -> new ReassignmentThrottle.Setting(0, Set.of(3)));
    }
}
