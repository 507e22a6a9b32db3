package io.runnel.broker.replica;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runnel.broker.partition.TopicPartition;
import io.runnel.record.CorruptBatchException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Which failures take the log directory offline, and what the replicas answer then (issue 14 item 8). */
class LogDirHealthTest {
    private static final TopicPartition TP = new TopicPartition("t", 0);

    @Test
    void anIoErrorTakesTheDirectoryOfflineOnce_andEveryReplicaAnswersAStorageError() {
        LogDirHealth health = new LogDirHealth(Path.of("/data"));
        AtomicInteger told = new AtomicInteger();
        health.onOffline(told::incrementAndGet);
        RuntimeException answer = health.onError(TP, new UncheckedIOException("Cannot append", new IOException("No space left on device")));
        assertInstanceOf(KafkaStorageException.class, answer);
        assertTrue(health.offline());
        health.onError(TP, new UncheckedIOException(new IOException("again")));
        assertEquals(1, told.get(), "the controller is told once");
        KafkaStorageException refused = assertThrows(KafkaStorageException.class, () -> health.check(new TopicPartition("u", 1)));
        assertTrue(refused.getMessage().contains("No space left on device"), refused.getMessage());
        assertTrue(refused.retriable());
    }

    @Test
    void aRefusedRequestOrAClosedChannelIsNotTheDisksFault() {
        LogDirHealth health = new LogDirHealth(Path.of("/data"));
        RuntimeException corrupt = new CorruptBatchException("bad CRC", 0);
        assertSame(corrupt, health.onError(TP, corrupt));
        RuntimeException closed = new UncheckedIOException(new ClosedChannelException());
        assertSame(closed, health.onError(TP, closed), "a segment deleted under a read is not a disk failure");
        assertFalse(health.offline());
        assertTrue(LogDirHealth.isStorageError(new InternalError("a fault occurred in an unsafe memory access operation")));
    }
}
