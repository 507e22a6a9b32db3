package io.runnel.client.producer;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runnel.client.common.TopicPartition;
import io.runnel.record.CompressionType;
import io.runnel.record.RecordBatchBuilder;
import org.junit.jupiter.api.Test;

/**
 * The pipeline window of one partition is counted from its oldest unanswered batch: gRPC calls
 * are answered in any order, and a batch whose answer is lost must stay within the last five
 * batches the leader remembers when it is resent.
 */
class PartitionQueueTest {
    private static final TopicPartition TP = new TopicPartition("t", 0);

    private static PartitionQueue queueOf(int batches) {
        PartitionQueue queue = new PartitionQueue();
        for (int i = 0; i < batches; i++) {
            queue.batches.addLast(new Batch(TP, new RecordBatchBuilder(CompressionType.NONE), 0, 60_000));
        }
        return queue;
    }

    private static Batch sendNext(PartitionQueue queue) {
        Batch b = queue.nextUnsent();
        queue.sent(b);
        return b;
    }

    @Test
    void laterBatchesAnsweredFirst_doNotOpenTheWindow_whileTheOldestIsUnanswered() {
        PartitionQueue queue = queueOf(7);
        Batch oldest = sendNext(queue);
        Batch[] behind = new Batch[4];
        for (int i = 0; i < 4; i++) {
            assertTrue(queue.canSend(5));
            behind[i] = sendNext(queue);
        }
        assertFalse(queue.canSend(5), "five in flight");
        for (Batch b : behind) { // answered before the oldest, as calls on different streams may be
            queue.batches.remove(b);
            queue.answered(b, false);
        }
        assertFalse(queue.canSend(5), "a sixth batch would push the unanswered oldest out of the leader's five");
        queue.batches.remove(oldest);
        queue.answered(oldest, false);
        assertTrue(queue.canSend(5));
    }

    @Test
    void inOrderAnswers_slideTheWindowOneByOne() {
        PartitionQueue queue = queueOf(7);
        Batch first = sendNext(queue);
        for (int i = 0; i < 4; i++) {
            sendNext(queue);
        }
        assertFalse(queue.canSend(5));
        queue.batches.remove(first);
        queue.answered(first, false);
        assertTrue(queue.canSend(5), "the oldest answered: one more may go");
        sendNext(queue);
        assertFalse(queue.canSend(5));
    }
}
