package io.runnel.broker.stream;

import io.grpc.stub.ServerCallStreamObserver;
import io.runnel.broker.partition.TopicPartition;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.FetchPartitionResponse;
import io.runnel.proto.v1.PartitionRef;
import io.runnel.proto.v1.Record;
import io.runnel.proto.v1.SubscribeAck;
import io.runnel.proto.v1.SubscribeOpen;
import io.runnel.proto.v1.SubscribeRecords;
import io.runnel.proto.v1.SubscribeResponse;
import io.runnel.proto.v1.SubscribeWarning;
import io.runnel.proto.v1.TopicPartitionList;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The delivery side of a {@link SubscribeSession}: the partitions assigned to the stream, fetching
 * them from their leaders, pushing records while the client has credit ({@code max_unacked}) and
 * the transport is ready, taking the client's acks, and the control messages (joined, assigned,
 * revoked, committed, warning) that go out ahead of records. Whether the stream has ended is kept
 * here, since it decides whether anything more is sent.
 *
 * <p>Thread-safety: every method needs the session's lock ({@code lock}, the {@link SubscribeSession}
 * itself); {@link #deliver} (the transport's on-ready handler) and the answers of its fetches and
 * timers take it themselves.
 */
final class SubscribeDelivery {
    static final long RETRY_MS = 200;
    private static final int DEFAULT_MAX_UNACKED = 500;
    private static final int MAX_RECORDS_PER_MESSAGE = 500;

    private final Object lock;
    private final ServerCallStreamObserver<SubscribeResponse> out;
    private final LeaderCalls leaders;
    private final ScheduledExecutorService timers;

    // All guarded by lock.
    private boolean ended;
    private SubscribeOpen.StartFrom startFrom = SubscribeOpen.StartFrom.EARLIEST;
    private int maxUnacked;
    /** Assigned partitions and their delivery state, in assignment order. */
    private final Map<TopicPartition, AssignedPartition> owned = new LinkedHashMap<>();
    /** Records delivered and not acknowledged, over all partitions. */
    private int unacked;
    /** Control messages (joined, assigned, revoked, committed, warning) not yet handed to the transport. */
    private final Deque<SubscribeResponse> unsent = new ArrayDeque<>();

    /** @param lock the session's lock, which guards this object */
    SubscribeDelivery(Object lock, ServerCallStreamObserver<SubscribeResponse> out, LeaderCalls leaders,
                      ScheduledExecutorService timers) {
        this.lock = lock;
        this.out = out;
        this.leaders = leaders;
        this.timers = timers;
    }

    /** Takes the client's credit and start_from from its (valid) `open`. */
    void open(SubscribeOpen o) {
        startFrom = o.getStartFrom();
        maxUnacked = o.getMaxUnacked() == 0 ? DEFAULT_MAX_UNACKED : o.getMaxUnacked();
    }

    boolean ended() {
        return ended;
    }

    /** Marks the stream ended: nothing more is fetched or delivered. */
    void end() {
        ended = true;
    }

    // ---------------------------------------------------------------- assignment

    /** The partitions assigned now (a view). */
    Set<TopicPartition> assigned() {
        return Collections.unmodifiableSet(owned.keySet());
    }

    /** The assigned partitions' delivery states, a copy in assignment order. */
    List<AssignedPartition> partitions() {
        return List.copyOf(owned.values());
    }

    boolean isAssigned(TopicPartition tp) {
        return owned.containsKey(tp);
    }

    /** Whether {@code o} is still assigned to this stream (the same assignment, not a later one). */
    boolean isCurrent(AssignedPartition o) {
        return owned.get(o.tp) == o;
    }

    /** Assigns a partition; it is not fetched until located ({@link #reset} or a committed offset). */
    AssignedPartition assign(TopicPartition tp) {
        AssignedPartition o = new AssignedPartition(tp);
        owned.put(tp, o);
        return o;
    }

    /** Stops delivering a revoked partition: its undelivered and unacknowledged records are dropped. */
    void revoke(AssignedPartition o) {
        owned.remove(o.tp);
        unacked -= o.delivered.size();
        o.delivered.clear();
        o.buffer.clear();
    }

    /** Drops every partition (the member was removed from its group). */
    List<TopicPartition> dropAll() {
        List<TopicPartition> lost = new ArrayList<>(owned.keySet());
        lost.forEach(tp -> unacked -= owned.remove(tp).delivered.size());
        return lost;
    }

    // ---------------------------------------------------------------- acks

    void acked(SubscribeAck ack) {
        AssignedPartition o = owned.get(new TopicPartition(ack.getTopic(), Math.max(0, ack.getPartition())));
        if (o == null || ack.getPartition() < 0) {
            return; // not assigned (any more): those records go to the next owner again
        }
        int done = o.acknowledge(ack.getOffset());
        if (done > 0) {
            unacked -= done;
            deliver();
        }
    }

    // ---------------------------------------------------------------- fetching and delivering

    /** Positions a partition without a usable offset at its log start or end (start_from). */
    void reset(AssignedPartition o) {
        leaders.offset(o.tp, startFrom == SubscribeOpen.StartFrom.LATEST ? -1 : -2).thenAccept(p -> {
            synchronized (lock) {
                if (p.getError() != ErrorCode.NONE) {
                    warn(p.getError(), "locating " + o.tp + ": " + p.getErrorMessage());
                    retry(o, () -> reset(o));
                } else if (owned.get(o.tp) == o) {
                    o.position = p.getOffset();
                    fetch(o);
                }
            }
        });
    }

    private void retry(AssignedPartition o, Runnable action) {
        timers.schedule(() -> {
            synchronized (lock) {
                if (!ended && owned.get(o.tp) == o) {
                    action.run();
                }
            }
        }, RETRY_MS, TimeUnit.MILLISECONDS);
    }

    /** Fetches the partition's next records, unless it has some waiting or the client has no credit. */
    void fetch(AssignedPartition o) {
        if (ended || owned.get(o.tp) != o || o.position < 0 || o.fetching || !o.buffer.isEmpty() || unacked >= maxUnacked) {
            return;
        }
        o.fetching = true;
        long from = o.position;
        leaders.fetch(o.tp, from).thenAccept(p -> {
            synchronized (lock) {
                o.fetching = false;
                if (owned.get(o.tp) == o && !ended) {
                    fetched(o, from, p);
                }
            }
        });
    }

    /** A fetch answer for a partition still assigned. */
    private void fetched(AssignedPartition o, long from, FetchPartitionResponse p) {
        if (p.getError() == ErrorCode.OFFSET_OUT_OF_RANGE) {
            warn(p.getError(), o.tp + " offset " + from + " is out of range; starting over as start_from says");
            o.position = -1;
            reset(o);
            return;
        }
        if (p.getError() != ErrorCode.NONE) {
            if (p.getError() == ErrorCode.TOPIC_AUTHORIZATION_FAILED) {
                warn(p.getError(), p.getErrorMessage() + ": " + o.tp + " is not delivered until an ACL allows it");
            }
            retry(o, () -> fetch(o));
            return;
        }
        o.fetched(p.getRecords().getRecordsList());
        deliver();
        fetch(o);
    }

    /** Sends control messages, then records while the client has credit and the transport is ready. */
    void deliver() {
        synchronized (lock) {
            if (ended) {
                return;
            }
            drainControl();
            if (!unsent.isEmpty()) {
                return;
            }
            boolean sent = true;
            while (sent && unacked < maxUnacked && out.isReady()) {
                sent = false;
                for (AssignedPartition o : owned.values()) {
                    if (o.buffer.isEmpty() || unacked >= maxUnacked || !out.isReady()) {
                        continue;
                    }
                    SubscribeRecords.Builder records = SubscribeRecords.newBuilder().setTopic(o.tp.topic()).setPartition(o.tp.partition());
                    int n = Math.min(Math.min(o.buffer.size(), maxUnacked - unacked), MAX_RECORDS_PER_MESSAGE);
                    for (int i = 0; i < n; i++) {
                        Record r = o.buffer.poll();
                        records.addRecords(r);
                        o.delivered.add(r.getOffset());
                    }
                    unacked += n;
                    out.onNext(SubscribeResponse.newBuilder().setRecords(records).build());
                    sent = true;
                }
            }
            for (AssignedPartition o : List.copyOf(owned.values())) {
                fetch(o);
            }
        }
    }

    // ---------------------------------------------------------------- control messages

    void control(SubscribeResponse message) {
        unsent.add(message);
        deliver();
    }

    /** Hands queued control messages to the transport while it is ready (also after the stream ended). */
    void drainControl() {
        while (!unsent.isEmpty() && out.isReady()) {
            out.onNext(unsent.poll());
        }
    }

    void warn(ErrorCode error, String message) {
        if (!ended && unsent.size() < 100) {
            control(SubscribeResponse.newBuilder().setWarning(SubscribeWarning.newBuilder().setError(error).setMessage(message))
                .build());
        }
    }

    static TopicPartitionList toList(Collection<TopicPartition> partitions) {
        TopicPartitionList.Builder out = TopicPartitionList.newBuilder();
        partitions.forEach(tp -> out.addPartitions(PartitionRef.newBuilder().setTopic(tp.topic()).setPartition(tp.partition())));
        return out.build();
    }
}
