package io.runnel.client.producer;

import io.runnel.client.common.ClusterMetadata;
import io.runnel.client.common.TopicPartition;
import io.runnel.proto.v1.PartitionMetadata;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Watches produce requests that stay unanswered, so a producer whose leader was cut off learns of
 * the new leader without waiting out {@code request.timeout.ms}. Every quarter of the request
 * timeout a request is still out, the cluster metadata is refreshed from another broker than the
 * one the request went to; once it names another leader in a later leader epoch for one of the
 * request's partitions (a lagging broker's older view does not count), the request is abandoned
 * (its batches are sent again, with the same sequence numbers, to the leaders
 * the metadata names: the new leader's duplicate check keeps a batch the old one may have written
 * from being written twice).
 *
 * <p>Thread-safety: {@link #watch} is safe from any thread; the checks run on the caller's
 * scheduler, which must have a thread to spare for a blocking metadata call.
 */
final class SlowRequestWatch {
    private final ClusterMetadata metadata;
    private final ScheduledExecutorService scheduler;
    private final long checkEveryMs;

    /** @param requestTimeoutMs the producer's request timeout: a request is checked every quarter of it */
    SlowRequestWatch(ClusterMetadata metadata, ScheduledExecutorService scheduler, long requestTimeoutMs) {
        this.metadata = metadata;
        this.scheduler = scheduler;
        this.checkEveryMs = Math.max(1, requestTimeoutMs / 4);
    }

    /** A watched request; {@link #answered} ends the watch. */
    interface Watched {
        void answered();
    }

    /**
     * Watches a request to {@code brokerId} for {@code partitions}.
     *
     * @param abandon called (once, on the scheduler) with the reason when the metadata names another
     *                leader, in a later leader epoch than the current view's, for one of the
     *                partitions while the request is still out
     */
    Watched watch(int brokerId, List<TopicPartition> partitions, Consumer<String> abandon) {
        Map<TopicPartition, Integer> epochs = new HashMap<>();
        for (TopicPartition tp : partitions) {
            PartitionMetadata p = metadata.partition(tp);
            epochs.put(tp, p == null ? -1 : p.getLeaderEpoch());
        }
        Check check = new Check(brokerId, epochs, abandon);
        check.task = scheduler.scheduleWithFixedDelay(check, checkEveryMs, checkEveryMs, TimeUnit.MILLISECONDS);
        return check;
    }

    /** One request's repeated check; ends when answered or abandoned. */
    private final class Check implements Runnable, Watched {
        private final int brokerId;
        /** Each partition's leader epoch in the view the request was sent by. */
        private final Map<TopicPartition, Integer> sentEpochs;
        private final Consumer<String> abandon;
        private volatile boolean over;
        private volatile ScheduledFuture<?> task;
        private int checks;

        Check(int brokerId, Map<TopicPartition, Integer> sentEpochs, Consumer<String> abandon) {
            this.brokerId = brokerId;
            this.sentEpochs = sentEpochs;
            this.abandon = abandon;
        }

        @Override
        public void answered() {
            over = true;
            ScheduledFuture<?> t = task;
            if (t != null) {
                t.cancel(false);
            }
        }

        @Override
        public void run() {
            checks++;
            // A view younger than half an interval is fresh enough (another watch just asked).
            if (over || !metadata.refreshAvoiding(brokerId, checkEveryMs, checkEveryMs / 2) || over) {
                return;
            }
            for (Map.Entry<TopicPartition, Integer> sent : sentEpochs.entrySet()) {
                TopicPartition tp = sent.getKey();
                PartitionMetadata p = metadata.partition(tp);
                if (p != null && p.getLeaderId() >= 0 && p.getLeaderId() != brokerId && p.getLeaderEpoch() > sent.getValue()) {
                    answered();
                    abandon.accept(tp + " is led by broker " + p.getLeaderId() + " (epoch " + p.getLeaderEpoch()
                        + ") while a request to broker " + brokerId + " was out for " + checks * checkEveryMs + " ms");
                    return;
                }
            }
        }
    }
}
