package io.runnel.faultsuite.workload;

import io.runnel.client.admin.RunnelAdmin;
import io.runnel.client.common.TopicPartition;
import io.runnel.client.consumer.ConsumerRecord;
import io.runnel.client.consumer.RunnelConsumer;
import io.runnel.faultsuite.history.Event;
import io.runnel.faultsuite.history.History;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Reads every partition of the topic from its start to its end (as the leaders answer after healing). */
public final class FinalReader {
    private FinalReader() {
    }

    /**
     * Records every record read as {@link Event.FinalRead} of {@code reader}.
     *
     * @return the number of records read
     * @throws IllegalStateException if the end is not reached within {@code timeout}
     */
    public static long read(String bootstrap, String topic, int reader, History history, Duration timeout) {
        Map<Integer, Long> ends;
        try (RunnelAdmin admin = new RunnelAdmin(bootstrap)) {
            ends = admin.offsets(topic, RunnelAdmin.LATEST);
        }
        List<TopicPartition> partitions = new ArrayList<>();
        ends.keySet().forEach(p -> partitions.add(new TopicPartition(topic, p)));
        long deadline = System.nanoTime() + timeout.toNanos();
        long count = 0;
        try (RunnelConsumer consumer = new RunnelConsumer(bootstrap, RunnelConsumer.OffsetReset.EARLIEST, 4 << 20)) {
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            while (!partitions.stream().allMatch(tp -> consumer.position(tp) >= ends.get(tp.partition()))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("final read " + reader + " did not reach the end offsets " + ends + " within "
                        + timeout);
                }
                for (ConsumerRecord r : consumer.poll(Duration.ofMillis(500))) {
                    String value = new String(r.value(), StandardCharsets.UTF_8);
                    history.record(at -> new Event.FinalRead(at, reader, r.partition(), r.offset(), value));
                    count++;
                }
            }
        }
        return count;
    }
}
