package io.runnel.broker.replica;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.runnel.broker.partition.TopicPartition;
import io.runnel.broker.purgatory.DelayedOperationPurgatory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Issue 14 item 7: a parked fetch whose read throws is still answered, never left to the client's deadline. */
class DelayedFetchTest {
    private static final TopicPartition TP = new TopicPartition("t", 0);
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final DelayedOperationPurgatory<TopicPartition> purgatory = new DelayedOperationPurgatory<>("fetch", timer);

    @AfterEach
    void tearDown() {
        timer.shutdownNow();
    }

    @Test
    void aReadThatThrowsAtExpiration_answersWithTheLastResults() throws Exception {
        AtomicInteger reads = new AtomicInteger();
        CompletableFuture<Map<TopicPartition, FetchPartitionResult>> response = new CompletableFuture<>();
        DelayedFetch fetch = new DelayedFetch(50, 1, new FetchPositions(Map.of(), Map.of(), new LogDirHealth(Path.of("unused"))), () -> {
            if (reads.incrementAndGet() > 1) {
                throw new UncheckedIOException(new IOException("segment deleted under the long poll"));
            }
            return Map.of(); // nothing yet: park
        }, response);
        purgatory.tryCompleteElseWatch(fetch, List.of(TP));
        assertEquals(Map.of(), response.get(10, TimeUnit.SECONDS), "the parked fetch is answered at its timeout");
    }

    @Test
    void aReadThatThrowsBeforeAnyResults_failsTheResponse() {
        CompletableFuture<Map<TopicPartition, FetchPartitionResult>> response = new CompletableFuture<>();
        DelayedFetch fetch = new DelayedFetch(60_000, 1, new FetchPositions(Map.of(), Map.of(), new LogDirHealth(Path.of("unused"))), () -> {
            throw new IllegalStateException("a bug in a read");
        }, response);
        purgatory.tryCompleteElseWatch(fetch, List.of(TP));
        ExecutionException e = assertThrows(ExecutionException.class, () -> response.get(10, TimeUnit.SECONDS));
        assertEquals("a bug in a read", e.getCause().getMessage());
    }
}
