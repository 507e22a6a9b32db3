package io.runnel.broker.stream;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.runnel.broker.auth.AuthorizationException;
import io.runnel.broker.partition.PartitionState;
import io.runnel.broker.partition.TopicPartition;
import io.runnel.proto.v1.BrokerGrpc;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.InitProducerIdRequest;
import io.runnel.proto.v1.InitProducerIdResponse;
import io.runnel.proto.v1.PartitionProduceData;
import io.runnel.proto.v1.PartitionProduceResponse;
import io.runnel.proto.v1.PartitionSequence;
import io.runnel.proto.v1.ProduceRequest;
import io.runnel.proto.v1.ProduceResponse;
import io.runnel.proto.v1.PublishAck;
import io.runnel.proto.v1.PublishMessage;
import io.runnel.proto.v1.PublishOpen;
import io.runnel.proto.v1.PublishOpened;
import io.runnel.proto.v1.PublishRequest;
import io.runnel.proto.v1.PublishResponse;
import io.runnel.proto.v1.PublishResume;
import io.runnel.proto.v1.Record;
import io.runnel.proto.v1.RecordList;
import io.runnel.proto.v1.TopicProduceData;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One Publish stream (stream.proto): an idempotent producer run by the broker for its client. It
 * obtains a producer id (or resumes one), picks each message's partition, numbers its records
 * with the partition's next producer sequence, forwards it with Produce (acks=-1) to the leader,
 * retries retriable errors until the message's deadline, and acks it. One message per partition
 * is at the leader at a time, so acks of a partition come in order and a failed message cannot
 * leave a later one written before it; partitions proceed in parallel.
 *
 * <p>Flow control ({@link PublishOutbox}): the broker asks gRPC for at most {@link #MAX_IN_FLIGHT}
 * messages ahead of the acks it has handed to the transport, and hands acks over only while the
 * transport is ready, so neither side queues more than that. Where a message goes is
 * {@link MessagePlacement}'s decision.
 *
 * <p>Thread-safety: gRPC callbacks, Produce answers and retry timers all lock this session.
 */
final class PublishSession implements StreamSession, StreamObserver<PublishRequest> {
    static final int MAX_IN_FLIGHT = 64;
    private static final int DEFAULT_DELIVERY_TIMEOUT_MS = 120_000;
    private static final long RETRY_BACKOFF_MS = 100;
    /** Longest replication wait per Produce attempt; the message's deadline bounds the attempts. */
    private static final int ATTEMPT_TIMEOUT_MS = 30_000;
    /** Worth another attempt: the leader moved or is catching up, or the topic is brand new. */
    private static final Set<ErrorCode> RETRIABLE = EnumSet.of(ErrorCode.NOT_LEADER, ErrorCode.LEADER_NOT_AVAILABLE,
        ErrorCode.NOT_ENOUGH_REPLICAS, ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND, ErrorCode.REQUEST_TIMED_OUT,
        ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.FENCED_LEADER_EPOCH, ErrorCode.UNKNOWN_LEADER_EPOCH,
        ErrorCode.KAFKA_STORAGE_ERROR);
    /** Failures after which the records may be in the log: the partition's sequence moves past them. */
    private static final Set<ErrorCode> OUTCOME_UNKNOWN = EnumSet.of(ErrorCode.NOT_LEADER,
        ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND, ErrorCode.REQUEST_TIMED_OUT, ErrorCode.UNKNOWN_SERVER_ERROR,
        ErrorCode.KAFKA_STORAGE_ERROR);

    private final ServerCallStreamObserver<PublishResponse> out;
    private final PublishOutbox outbox;
    private final ClusterChannels channels;
    private final ScheduledExecutorService timers;
    private final Clock clock;
    private final StreamAccess access;

    // All guarded by this.
    private boolean opening;
    private boolean opened;
    private boolean ended;
    private long producerId;
    private short producerEpoch;
    private long deliveryTimeoutMs;
    private final Map<TopicPartition, Integer> nextSequence = new HashMap<>();
    /** Per partition, the messages placed there; the head is at the leader. */
    private final Map<TopicPartition, Deque<Pending>> queues = new HashMap<>();
    /** Per topic this broker does not know yet, messages waiting (in order) to be placed. */
    private final Map<String, Deque<Pending>> unplaced = new HashMap<>();

    /** A message between being read and being acked. */
    private static final class Pending {
        final PublishMessage message;
        final long deadlineMs;
        TopicPartition partition;
        /** The producer sequence of its first record, set at its first attempt; -1 before. */
        int sequence = -1;

        Pending(PublishMessage message, long deadlineMs) {
            this.message = message;
            this.deadlineMs = deadlineMs;
        }
    }

    PublishSession(ServerCallStreamObserver<PublishResponse> out, ClusterChannels channels, ScheduledExecutorService timers,
                   Clock clock, Set<StreamSession> sessions, StreamAccess access) {
        this.out = out;
        this.outbox = new PublishOutbox(out);
        this.access = access;
        sessions.add(this);
        out.setOnCloseHandler(() -> sessions.remove(this));
        this.channels = channels;
        this.timers = timers;
        this.clock = clock;
        out.disableAutoRequest();
        out.setOnReadyHandler(this::drain);
        out.setOnCancelHandler(() -> {
            sessions.remove(this);
            end();
        });
        out.request(1);
    }

    @Override
    public synchronized void onNext(PublishRequest request) {
        if (ended) {
            return;
        }
        switch (request.getKindCase()) {
            case OPEN -> open(request.getOpen());
            case MESSAGE -> {
                if (!opened) {
                    fail("send `open` first, and a message only after the `opened` answer");
                    return;
                }
                outbox.messageRead();
                Pending p = new Pending(request.getMessage(), clock.millis() + deliveryTimeoutMs);
                Deque<Pending> waiting = unplaced.get(p.message.getTopic());
                if (waiting != null) {
                    waiting.add(p); // behind earlier messages of the same topic
                } else {
                    place(p);
                }
            }
            default -> fail("a PublishRequest needs `open` or `message`");
        }
    }

    private void open(PublishOpen open) {
        if (opening || opened) {
            fail("`open` was already sent on this stream");
            return;
        }
        if (open.getDeliveryTimeoutMs() < 0) {
            fail("delivery_timeout_ms must be >= 0, got " + open.getDeliveryTimeoutMs());
            return;
        }
        deliveryTimeoutMs = open.getDeliveryTimeoutMs() == 0 ? DEFAULT_DELIVERY_TIMEOUT_MS : open.getDeliveryTimeoutMs();
        opening = true;
        if (open.hasResume()) {
            PublishResume resume = open.getResume();
            if (resume.getProducerId() < 0 || resume.getProducerEpoch() < 0 || resume.getProducerEpoch() > Short.MAX_VALUE) {
                fail("resume needs the producer_id (>= 0) and producer_epoch (0-32767) of the old stream's `opened`, got "
                    + resume.getProducerId() + " and " + resume.getProducerEpoch());
                return;
            }
            Status refused = access.refusedPublish(resume.getProducerId());
            if (refused != null) {
                end(refused);
                return;
            }
            for (PartitionSequence s : resume.getAcknowledgedList()) {
                if (s.getPartition() < 0 || s.getNextPartitionSequence() < 0 || s.getTopic().isEmpty()) {
                    fail("resume.acknowledged needs a topic, a partition >= 0 and a next_partition_sequence >= 0, got "
                        + s.getTopic() + "-" + s.getPartition() + ": " + s.getNextPartitionSequence());
                    return;
                }
                nextSequence.put(new TopicPartition(s.getTopic(), s.getPartition()), s.getNextPartitionSequence());
            }
            opened(resume.getProducerId(), (short) resume.getProducerEpoch());
            return;
        }
        Status refused = access.refusedPublish(-1);
        if (refused != null) {
            end(refused);
            return;
        }
        Optional<BrokerGrpc.BrokerStub> self = channels.broker(channels.selfId());
        if (self.isEmpty()) {
            end(Status.UNAVAILABLE.withDescription("this broker is not registered yet; retry, or open the stream elsewhere"));
            return;
        }
        UnaryCalls.<InitProducerIdResponse>call(answer -> self.get().withDeadlineAfter(30, TimeUnit.SECONDS)
            .initProducerId(InitProducerIdRequest.getDefaultInstance(), answer)).whenComplete((r, error) -> {
                synchronized (this) {
                    if (error != null) {
                        end(Status.UNAVAILABLE.withDescription("no producer id: " + Status.fromThrowable(error)));
                    } else if (r.getError() != ErrorCode.NONE) {
                        end(Status.UNAVAILABLE.withDescription("no producer id: " + r.getError() + " " + r.getErrorMessage()));
                    } else {
                        producerIdOfCaller(r.getProducerId(), (short) r.getProducerEpoch());
                    }
                }
            });
    }

    /** Opens with the id InitProducerId gave this broker (a node), derived again for the caller. */
    private void producerIdOfCaller(long issued, short epoch) {
        long pid;
        try {
            pid = access.producerIdOf(issued);
        } catch (IllegalStateException e) {
            end(Status.UNAVAILABLE.withDescription("no producer id: " + e.getMessage()));
            return;
        }
        opened(pid, epoch);
    }

    private void opened(long pid, short epoch) {
        if (ended) {
            return;
        }
        producerId = pid;
        producerEpoch = epoch;
        opened = true;
        emit(PublishResponse.newBuilder().setOpened(PublishOpened.newBuilder().setProducerId(pid).setProducerEpoch(epoch)
            .setMaxInFlight(MAX_IN_FLIGHT)).build());
        out.request(MAX_IN_FLIGHT);
    }

    // ---------------------------------------------------------------- placing

    /** Puts the message in its partition's queue, or waits for its topic, or acks it with an error. */
    private void place(Pending p) {
        PublishMessage m = p.message;
        AuthorizationException refused = access.refusedWrite(m.getTopic());
        if (refused != null) {
            ack(p, refused.code(), refused.getMessage(), -1);
            return;
        }
        Map<Integer, PartitionState> partitions = channels.cluster().notReady().isPresent() ? null
            : channels.cluster().topics().get(m.getTopic());
        if (partitions == null || partitions.isEmpty()) {
            String invalid = MessagePlacement.invalidTopic(m.getTopic());
            if (invalid != null) {
                ack(p, ErrorCode.INVALID_TOPIC, invalid, -1);
            } else if (clock.millis() >= p.deadlineMs) {
                ack(p, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "topic " + m.getTopic() + " does not exist (waited "
                    + deliveryTimeoutMs + " ms for it)", -1);
            } else {
                unplaced.computeIfAbsent(m.getTopic(), t -> new ArrayDeque<>()).add(p);
                timers.schedule(() -> retryUnplaced(m.getTopic()), RETRY_BACKOFF_MS, TimeUnit.MILLISECONDS);
            }
            return;
        }
        MessagePlacement placement = MessagePlacement.of(m, partitions.size());
        if (placement.isRefused()) {
            ack(p, ErrorCode.INVALID_REQUEST, placement.refusal(), -1);
            return;
        }
        p.partition = new TopicPartition(m.getTopic(), placement.partition());
        Deque<Pending> queue = queues.computeIfAbsent(p.partition, tp -> new ArrayDeque<>());
        queue.add(p);
        if (queue.size() == 1) {
            send(p);
        }
    }

    /** Places the messages waiting for a topic, in order, once it is known; or acks those past their deadline. */
    private void retryUnplaced(String topic) {
        synchronized (this) {
            Deque<Pending> waiting = unplaced.remove(topic);
            if (ended || waiting == null) {
                return;
            }
            // The first one placed again either finds the topic (and so will the rest, in order)
            // or goes back to the head of a new queue (times out, or waits with the rest behind it).
            place(waiting.poll());
            Deque<Pending> again = unplaced.get(topic);
            if (again != null) {
                again.addAll(waiting);
            } else {
                waiting.forEach(this::place);
            }
        }
    }

    // ---------------------------------------------------------------- forwarding

    private void send(Pending p) {
        if (ended) {
            return;
        }
        if (p.sequence < 0) {
            p.sequence = nextSequence.getOrDefault(p.partition, 0);
        }
        Map<Integer, PartitionState> partitions = channels.cluster().topics().get(p.partition.topic());
        PartitionState state = partitions == null ? null : partitions.get(p.partition.partition());
        Optional<BrokerGrpc.BrokerStub> leader = state == null || state.leaderId() < 0 ? Optional.empty()
            : channels.broker(state.leaderId());
        if (leader.isEmpty()) {
            retryOrAck(p, ErrorCode.LEADER_NOT_AVAILABLE, p.partition + " has no live leader right now", false);
            return;
        }
        long remaining = Math.max(1, p.deadlineMs - clock.millis());
        int timeout = (int) Math.min(remaining, ATTEMPT_TIMEOUT_MS);
        RecordList.Builder records = RecordList.newBuilder().setCompression(p.message.getCompression())
            .setProducerId(producerId).setProducerEpoch(producerEpoch).setBaseSequence(p.sequence);
        for (Record r : p.message.getRecordsList()) {
            records.addRecords(r.getOffset() == 0 ? r : r.toBuilder().clearOffset().build());
        }
        ProduceRequest request = ProduceRequest.newBuilder().setAcks(-1).setTimeoutMs(timeout)
            .addTopics(TopicProduceData.newBuilder().setTopic(p.partition.topic())
                .addPartitions(PartitionProduceData.newBuilder().setPartition(p.partition.partition()).setRecords(records)))
            .build();
        UnaryCalls.<ProduceResponse>call(answer -> leader.get().withDeadlineAfter(timeout + 5_000L, TimeUnit.MILLISECONDS)
            .produce(request, answer)).whenComplete((response, error) -> {
                synchronized (this) {
                    if (error == null) {
                        answered(p, response);
                    } else {
                        // The leader may have written it before the call failed: outcome unknown.
                        retryOrAck(p, ErrorCode.UNKNOWN_SERVER_ERROR, "leader " + state.leaderId() + " of " + p.partition
                            + " did not answer: " + Status.fromThrowable(error), true);
                    }
                }
            });
    }

    private void answered(Pending p, ProduceResponse response) {
        PartitionProduceResponse r = response.getTopicsCount() == 1 && response.getTopics(0).getPartitionsCount() == 1
            ? response.getTopics(0).getPartitions(0) : null;
        if (r == null) {
            retryOrAck(p, ErrorCode.UNKNOWN_SERVER_ERROR, "the leader's answer names no partition", true);
        } else if (r.getError() == ErrorCode.NONE) {
            nextSequence.put(p.partition, following(p));
            ack(p, ErrorCode.NONE, "", r.getBaseOffset());
        } else {
            retryOrAck(p, r.getError(), r.getErrorMessage(), RETRIABLE.contains(r.getError()));
        }
    }

    /** The producer sequence after the message's records (wrapping from 2^31-1 to 0, as Kafka's). */
    private static int following(Pending p) {
        return (int) ((p.sequence + (long) p.message.getRecordsCount()) % (1L << 31));
    }

    private void retryOrAck(Pending p, ErrorCode error, String message, boolean retriable) {
        if (ended) {
            return;
        }
        if (retriable && clock.millis() + RETRY_BACKOFF_MS < p.deadlineMs) {
            timers.schedule(() -> {
                synchronized (this) {
                    send(p);
                }
            }, RETRY_BACKOFF_MS, TimeUnit.MILLISECONDS);
            return;
        }
        if (OUTCOME_UNKNOWN.contains(error)) {
            // It may be in the log: the next message must follow it, or the leader would take the
            // next one as a duplicate of it.
            nextSequence.put(p.partition, following(p));
        }
        ack(p, error, message, -1);
    }

    // ---------------------------------------------------------------- answering

    private void ack(Pending p, ErrorCode error, String message, long offset) {
        PublishAck.Builder ack = PublishAck.newBuilder().setSequence(p.message.getSequence()).setError(error)
            .setErrorMessage(message).setTopic(p.message.getTopic()).setOffset(offset);
        Pending next = null;
        if (p.partition != null) {
            ack.setPartition(p.partition.partition()).setNextPartitionSequence(nextSequence.getOrDefault(p.partition, 0));
            Deque<Pending> queue = queues.get(p.partition);
            if (queue != null && queue.peek() == p) {
                queue.poll();
                if (queue.isEmpty()) {
                    queues.remove(p.partition);
                } else {
                    next = queue.peek();
                }
            }
        } else {
            ack.setPartition(-1);
        }
        emit(PublishResponse.newBuilder().setAck(ack).build());
        // Only after this ack is queued: a produce answered before its callback is attached runs that
        // callback right here (the monitor is reentrant), and its ack would otherwise go out first.
        if (next != null) {
            send(next);
        }
    }

    private void emit(PublishResponse response) {
        outbox.add(response);
        drain();
    }

    /** Hands queued responses to the transport while it is ready ({@link PublishOutbox}). */
    private synchronized void drain() {
        if (!ended && outbox.drain()) {
            ended = true;
        }
    }

    @Override
    public synchronized void onCompleted() {
        outbox.clientDone();
        drain();
    }

    @Override
    public synchronized void onError(Throwable t) {
        end();
    }

    private void fail(String why) {
        end(Status.INVALID_ARGUMENT.withDescription(why));
    }

    private synchronized void end(Status status) {
        if (!ended) {
            ended = true;
            out.onError(status.asRuntimeException());
        }
    }

    @Override
    public synchronized void shutdown() {
        end(Status.UNAVAILABLE.withDescription("the broker is shutting down; reconnect to another and resume"));
    }

    /** The client went away: nothing more is sent; messages at leaders finish there unanswered. */
    private synchronized void end() {
        ended = true;
        outbox.discard();
    }
}
