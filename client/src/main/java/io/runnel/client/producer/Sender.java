package io.runnel.client.producer;

import com.google.protobuf.UnsafeByteOperations;
import io.grpc.ClientInterceptor;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.runnel.client.common.Bootstrap;
import io.runnel.client.common.ClusterMetadata;
import io.runnel.client.common.RetriableErrors;
import io.runnel.client.common.TopicPartition;
import io.runnel.client.producer.RunnelProducer.ProduceException;
import io.runnel.proto.v1.BrokerGrpc;
import io.runnel.proto.v1.BrokerInfo;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.InitProducerIdRequest;
import io.runnel.proto.v1.PartitionProduceData;
import io.runnel.proto.v1.PartitionProduceResponse;
import io.runnel.proto.v1.ProduceRequest;
import io.runnel.proto.v1.ProduceResponse;
import io.runnel.proto.v1.TopicProduceData;
import io.runnel.proto.v1.TopicProduceResponse;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The producer's sender loop: takes a producer id from the cluster (with idempotence), drains the
 * due batches from the {@link RecordAccumulator}, ships the batches one broker leads in one
 * produce request (several, in sequence order, when a partition has several batches due: up to
 * {@code max.in.flight} per partition are in flight), and settles each batch by its answer: written, retried after
 * {@code retry.backoff.ms} and a metadata refresh while the error is retriable and the delivery
 * timeout allows, or failed with the error. Stops once the accumulator is closed and empty.
 *
 * <p>Thread-safety: {@link #run} runs on the producer's one sender thread; answers arrive on gRPC
 * executor threads and touch only the accumulator (which is thread-safe) and {@link ClusterMetadata}.
 */
final class Sender implements Runnable {
    /**
     * Answers after which the leader may hold the batch: acks=all timed out or the ISR shrank after
     * the append (both written), or an error the broker did not classify. A retry carries the same
     * numbers, so the leader's duplicate check keeps it from being written twice. (NOT_ENOUGH_REPLICAS,
     * NOT_LEADER and the like come before the append: nothing was written.)
     */
    private static final Set<ErrorCode> MAY_HAVE_WRITTEN = EnumSet.of(ErrorCode.REQUEST_TIMED_OUT,
        ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND, ErrorCode.UNKNOWN_SERVER_ERROR);

    private final ProducerConfig config;
    private final Bootstrap bootstrap;
    private final ClusterMetadata metadata;
    private final RecordAccumulator accumulator;
    private final ClientInterceptor[] interceptors;
    private final SlowRequestWatch slowRequests;

    Sender(ProducerConfig config, Bootstrap bootstrap, ClusterMetadata metadata, RecordAccumulator accumulator,
           ClientInterceptor[] interceptors, SlowRequestWatch slowRequests) {
        this.config = config;
        this.slowRequests = slowRequests;
        this.bootstrap = bootstrap;
        this.metadata = metadata;
        this.accumulator = accumulator;
        this.interceptors = interceptors.clone();
    }

    @Override
    public void run() {
        try {
            while (true) {
                if (config.idempotence() && accumulator.needsProducerId() && !initProducerId()) {
                    if (!accumulator.idleWithoutProducerId()) {
                        return;
                    }
                    continue;
                }
                Map<Integer, List<Batch>> ready = accumulator.drain();
                if (ready == null) {
                    return;
                }
                ready.forEach((brokerId, batches) -> requests(batches).forEach(r -> sendTo(brokerId, r)));
            }
        } catch (InterruptedException e) {
            // the producer is going away
        }
    }

    /** Asks any broker for a producer id; false (to retry later) if none could give one. */
    private boolean initProducerId() {
        try {
            var r = BrokerGrpc.newBlockingStub(bootstrap.anyChannel()).withInterceptors(interceptors)
                .withDeadlineAfter(config.requestTimeoutMs(), TimeUnit.MILLISECONDS)
                .initProducerId(InitProducerIdRequest.getDefaultInstance());
            if (r.getError() == ErrorCode.CLUSTER_AUTHORIZATION_FAILED) {
                // Not retriable until an ACL allows it: fail what is queued now, ask again for later records.
                accumulator.failQueued(new ProduceException(r.getError(), r.getErrorMessage()));
            }
            if (r.getError() != ErrorCode.NONE) {
                return false;
            }
            accumulator.producerIdGranted(r.getProducerId(), (short) r.getProducerEpoch());
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * Splits one broker's due batches into produce requests that carry at most one batch per
     * partition (the broker refuses a request naming a partition twice): the k-th batch of each
     * partition goes into the k-th request, so one connection carries a partition's batches in
     * sequence order.
     */
    static List<List<Batch>> requests(List<Batch> batches) {
        List<List<Batch>> requests = new ArrayList<>();
        Map<TopicPartition, Integer> seen = new HashMap<>();
        for (Batch b : batches) {
            int k = seen.merge(b.tp, 1, Integer::sum) - 1;
            if (k == requests.size()) {
                requests.add(new ArrayList<>());
            }
            requests.get(k).add(b);
        }
        return requests;
    }

    private void sendTo(int brokerId, List<Batch> toSend) {
        BrokerInfo broker = metadata.broker(brokerId);
        Map<String, TopicProduceData.Builder> byTopic = new HashMap<>();
        for (Batch b : toSend) {
            byTopic.computeIfAbsent(b.tp.topic(), t -> TopicProduceData.newBuilder().setTopic(t))
                .addPartitions(PartitionProduceData.newBuilder().setPartition(b.tp.partition())
                    .setRecordBatches(UnsafeByteOperations.unsafeWrap(b.built.duplicate())));
        }
        ProduceRequest.Builder request = ProduceRequest.newBuilder().setAcks(config.acks())
            .setTimeoutMs((int) Math.min(Integer.MAX_VALUE, config.requestTimeoutMs()));
        byTopic.values().forEach(request::addTopics);
        if (broker == null) {
            toSend.forEach(b -> retryOrFail(b, ErrorCode.LEADER_NOT_AVAILABLE, "leader " + brokerId + " unknown", false));
            return;
        }
        // Answers are settled on gRPC's executor, never on the transport thread: settling takes the
        // accumulator's lock, which the sender holds across a blocking metadata refresh whose answer
        // that same transport thread must read (a deadlock, seen as a flush that never returned).
        // A request still out after a while is watched: if another broker took over one of its
        // partitions meanwhile (a cut-off leader), it is abandoned and sent again there.
        ProduceCall call = new ProduceCall();
        BrokerGrpc.newStub(bootstrap.channel(broker)).withInterceptors(interceptors)
            .withDeadlineAfter(config.requestTimeoutMs() + 1000, TimeUnit.MILLISECONDS)
            .produce(request.build(), new ClientResponseObserver<ProduceRequest, ProduceResponse>() {
                @Override
                public void beforeStart(ClientCallStreamObserver<ProduceRequest> stream) {
                    call.stream = stream;
                }

                @Override
                public void onNext(ProduceResponse response) {
                    if (!call.settle()) {
                        return;
                    }
                    Map<TopicPartition, PartitionProduceResponse> answers = new HashMap<>();
                    for (TopicProduceResponse t : response.getTopicsList()) {
                        for (PartitionProduceResponse p : t.getPartitionsList()) {
                            answers.put(new TopicPartition(t.getTopic(), p.getPartition()), p);
                        }
                    }
                    for (Batch b : toSend) {
                        PartitionProduceResponse p = answers.get(b.tp);
                        if (p == null) {
                            retryOrFail(b, ErrorCode.UNKNOWN_SERVER_ERROR, "no answer for " + b.tp, true);
                        } else if (p.getError() == ErrorCode.NONE) {
                            accumulator.completed(b, p.getBaseOffset());
                        } else {
                            retryOrFail(b, p.getError(), p.getErrorMessage(), MAY_HAVE_WRITTEN.contains(p.getError()));
                        }
                    }
                }

                @Override
                public void onError(Throwable t) {
                    if (!call.settle()) {
                        return;
                    }
                    String abandoned = call.abandonedFor;
                    if (abandoned != null) {
                        // The view is fresh and names the new leader: resend at once, no backoff or refresh.
                        toSend.forEach(b -> resend(b, "abandoned: " + abandoned));
                        return;
                    }
                    // The request may have reached the leader before the call failed.
                    toSend.forEach(b -> retryOrFail(b, ErrorCode.REQUEST_TIMED_OUT, "request failed: " + t.getMessage(), true));
                }

                @Override
                public void onCompleted() {
                }
            });
        call.watch(slowRequests.watch(brokerId, toSend.stream().map(b -> b.tp).toList(), call::abandon));
    }

    /**
     * One produce call: its stream (to cancel it), its watch (ended once the call is settled) and,
     * if the watch abandoned it, why. Settled once: by its answer or its failure, whichever comes
     * first (a cancel racing an answer must not settle the batches twice).
     */
    private static final class ProduceCall {
        private final AtomicBoolean settled = new AtomicBoolean();
        private volatile ClientCallStreamObserver<ProduceRequest> stream;
        private volatile SlowRequestWatch.Watched watched;
        /** Set before the cancel whose failure reads it. */
        private volatile String abandonedFor;

        /** @return true the first time only; ends the watch */
        boolean settle() {
            if (!settled.compareAndSet(false, true)) {
                return false;
            }
            SlowRequestWatch.Watched w = watched;
            if (w != null) {
                w.answered();
            }
            return true;
        }

        void watch(SlowRequestWatch.Watched w) {
            watched = w;
            if (settled.get()) {
                w.answered(); // settled before the watch was set
            }
        }

        void abandon(String reason) {
            abandonedFor = reason;
            stream.cancel(reason, null);
        }
    }

    /**
     * The batch's request was abandoned because another broker leads its partition now: it is sent
     * again (same numbers; the old leader may have written it) as soon as the sender gets to it,
     * within its delivery timeout.
     */
    private void resend(Batch b, String why) {
        long now = System.currentTimeMillis();
        if (now < b.deadlineMs) {
            accumulator.retryLater(b, true, now, why);
        } else {
            accumulator.giveUp(b, true, ErrorCode.REQUEST_TIMED_OUT, b.tp + ": not acknowledged within delivery.timeout.ms ("
                + config.deliveryTimeoutMs() + " ms); last attempt " + why);
        }
    }

    /**
     * An attempt failed: retried (with the same numbers) after a backoff and a metadata refresh
     * while retriable and before the delivery timeout, else failed. A gap (OUT_OF_ORDER_SEQUENCE)
     * that an older batch of the partition may explain is retried too ({@link RecordAccumulator#retryAfterGap}). {@code possiblyWritten}: the
     * answer leaves open whether the leader wrote the batch.
     */
    private void retryOrFail(Batch b, ErrorCode error, String message, boolean possiblyWritten) {
        long now = System.currentTimeMillis();
        if (error == ErrorCode.OUT_OF_ORDER_SEQUENCE && now < b.deadlineMs && accumulator.mayFollowAGap(b)) {
            // Refused as a gap behind an older batch of its partition that failed (or was overtaken
            // on the way): not written; resent in order once the older ones are settled.
            accumulator.retryAfterGap(b, error + ": " + message);
        } else if (!RetriableErrors.isRetriable(error)) {
            accumulator.giveUp(b, possiblyWritten, error, message);
        } else if (now + config.retryBackoffMs() < b.deadlineMs) {
            metadata.markStale();
            accumulator.retryLater(b, possiblyWritten, now + config.retryBackoffMs(), error + ": " + message);
        } else {
            // Out of time: said as the queue says it when a batch expires there, naming this last attempt.
            accumulator.giveUp(b, possiblyWritten, error, b.tp + ": not acknowledged within delivery.timeout.ms ("
                + config.deliveryTimeoutMs() + " ms); last attempt: " + error + ": " + message);
        }
    }
}
