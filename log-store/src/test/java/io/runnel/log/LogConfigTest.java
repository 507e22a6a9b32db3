package io.runnel.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class LogConfigTest {
    @Test
    void with_roundTripsAndOverrides() {
        LogConfig config = LogConfig.defaults().with(Map.of("segment.bytes", "2048", "flush.policy", "SYNC"));
        assertEquals(2048, config.segmentBytes());
        assertEquals(FlushPolicy.SYNC, config.flushPolicy());
        assertEquals(config, LogConfig.defaults().with(config.toMap()));
    }

    @Test
    void badInput_namesTheKey() {
        assertMessage("Unknown log config 'segment.size'", Map.of("segment.size", "1"));
        assertMessage("segment.bytes must be an integer", Map.of("segment.bytes", "big"));
        assertMessage("segment.bytes must be at most", Map.of("segment.bytes", "3000000000"));
        assertMessage("segment.bytes must be at least 1024", Map.of("segment.bytes", "10"));
        assertMessage("retention.ms must be -1", Map.of("retention.ms", "-2"));
        assertMessage("Unknown flush policy 'often'", Map.of("flush.policy", "often"));
        assertMessage("flush.interval.ms must be at least 1", Map.of("flush.interval.ms", "0"));
    }

    private static void assertMessage(String expected, Map<String, String> overrides) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LogConfig.defaults().with(overrides));
        assertTrue(e.getMessage().startsWith(expected), e.getMessage());
    }
}
