package io.runnel.log;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** A temp directory, a hand-moved clock, a real scheduler, and every opened log closed afterwards. */
abstract class LogTestBase {
    @TempDir
    Path tmp;
    MutableClock clock;
    ScheduledExecutorService scheduler;
    private final List<Log> opened = new ArrayList<>();

    @BeforeEach
    void setUpLogTest() {
        clock = new MutableClock(1_700_000_000_000L);
        scheduler = Executors.newSingleThreadScheduledExecutor();
    }

    @AfterEach
    void tearDownLogTest() throws InterruptedException {
        closeOpenedLogs();
        scheduler.shutdownNow();
        scheduler.awaitTermination(10, TimeUnit.SECONDS);
    }

    /** Closes every log opened through {@link #open}, for a test that must release its files early. */
    void closeOpenedLogs() {
        for (Log log : opened) {
            log.close();
        }
        opened.clear();
    }

    Path dir() {
        return tmp.resolve("topic-0");
    }

    /** Small segments and dense indexes, so a few appends exercise rolls and index lookups. */
    static LogConfig smallConfig(Map<String, String> overrides) {
        Map<String, String> settings = new java.util.HashMap<>(Map.of(
            LogConfig.SEGMENT_BYTES, "4096",
            LogConfig.INDEX_INTERVAL_BYTES, "256",
            LogConfig.SEGMENT_INDEX_BYTES, "1200",
            LogConfig.FILE_DELETE_DELAY_MS, "0"));
        settings.putAll(overrides);
        return LogConfig.defaults().with(settings);
    }

    Log open(LogConfig config) {
        Log log = Log.open(dir(), config, clock, scheduler);
        opened.add(log);
        return log;
    }

    /** Simulates a crash: releases files without flushing, sealing or writing the clean-shutdown marker. */
    void crash(Log log) {
        opened.remove(log);
        log.closeHandlers();
    }
}
