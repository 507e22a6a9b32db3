package io.runnel.broker.metadata;

import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.runnel.metadata.image.BrokerInfo;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.proto.v1.MetadataEvent;
import io.runnel.proto.v1.WatchMetadataRequest;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the broker's {@link MetadataImage} from the controllers' metadata stream, folding each
 * batch exactly as the controllers did, and hands every new image to a listener; tells
 * {@link MetadataReadiness} how far the broker has applied, and asks the session for an early
 * heartbeat once the image holds the broker's own registration. A broken stream is opened again
 * on the next controller, from the offset the image has reached.
 *
 * <p>A stream can also stall without breaking: its voter is paused, or cut off by a partition and
 * no longer learns the log, while its TCP connection stays open. The heartbeats then still reach
 * the active controller, and each answer says how far the log is committed. When the image has not
 * reached an offset a heartbeat answer reported within {@link #STALLED_AFTER_HEARTBEATS} heartbeat
 * intervals, the stream is cancelled and opened on the controller that answered, from the image's
 * offset; a new stream gets the same time before it is judged.
 *
 * <p>The stream is a gRPC watch rather than a Raft listener: a broker then needs no Raft port or
 * Raft log of its own, the leader runs no log appender per broker, and brokers can come and go
 * without a Raft configuration change. Catch-up after a long absence is a snapshot in the stream.
 *
 * <p>Thread-safety: the image is volatile and written only by the stream's callbacks, which gRPC
 * runs one at a time per stream, under the {@code streams} lock that also opens a stream: events of
 * a stream that was replaced are dropped, so only one stream ever applies. Images are immutable.
 * The stall check runs on the session thread only ({@code awaited}, {@code awaitedSince}); the
 * closed flag and the time the current stream opened are volatile.
 */
final class MetadataWatch {
    private static final Logger log = LoggerFactory.getLogger(MetadataWatch.class);
    /**
     * How many heartbeat intervals the image may stay short of an offset a heartbeat answer
     * reported before the stream counts as stalled (1 s at the default 500 ms). A live stream
     * delivers a committed record within milliseconds; this leaves room for applying a large batch
     * or snapshot (a switch during one costs a reopened stream from the offset it reached, no
     * loop). Four intervals left a broker given a partition's leadership blind for 6 s of a fault
     * suite run with 1.5 s heartbeats (seed 203), on top of the session timeout.
     */
    static final int STALLED_AFTER_HEARTBEATS = 2;

    private final int brokerId;
    private final ControllerChannels controllers;
    /** Runs the retries of a broken stream; owned by the caller. */
    private final ScheduledExecutorService calls;
    private final MetadataReadiness readiness;
    private final BrokerSession session;
    private final Consumer<MetadataImage> onImage;
    private final long stalledAfterNanos;
    private final Object streams = new Object();
    private volatile MetadataImage image = MetadataImage.EMPTY;
    private volatile boolean closed;
    /** Counts the streams opened; guarded by {@code streams}. */
    private long generation;
    /** The open stream; guarded by {@code streams}. */
    private ClientCallStreamObserver<WatchMetadataRequest> call;
    /** The controller of the open stream, for the log. */
    private volatile int watching = -1;
    private volatile long openedNanos = System.nanoTime();
    /** An offset a heartbeat answer reported that the image has not reached yet, or -1; session thread only. */
    private long awaited = -1;
    private long awaitedSince;
    /**
     * Whether an applied image has held this process's own registration; from then on every image
     * is handed on. Guarded by {@code streams}.
     */
    private boolean ownRegistrationSeen;

    /** @param onImage called with every new image, on the stream's thread */
    MetadataWatch(int brokerId, ControllerChannels controllers, ScheduledExecutorService calls, MetadataReadiness readiness,
                  BrokerSession session, Consumer<MetadataImage> onImage, long stalledAfterNanos) {
        this.brokerId = brokerId;
        this.controllers = controllers;
        this.calls = calls;
        this.readiness = readiness;
        this.session = session;
        this.onImage = onImage;
        this.stalledAfterNanos = stalledAfterNanos;
    }

    MetadataImage image() {
        return image;
    }

    /** Opens the stream on {@code controller}; it is opened again on the next one whenever it ends, until closed. */
    void start(int controller) {
        watch(controller);
    }

    private void watch(int controller) {
        synchronized (streams) {
            if (closed) {
                return;
            }
            long mine = ++generation;
            if (call != null) {
                call.cancel("metadata stream moved to controller " + controller, null);
            }
            watching = controller;
            openedNanos = System.nanoTime();
            controllers.asyncStub(controller).watchMetadata(
                WatchMetadataRequest.newBuilder().setFromOffset(image.offset()).build(), new Observer(controller, mine));
        }
    }

    /**
     * A heartbeat answer from {@code controller} said the metadata log is committed up to
     * {@code offset}: if the image has stayed short of an offset reported one stall bound ago, the
     * stream is opened on {@code controller} instead. Runs on the session thread.
     */
    void heartbeatAnswered(int controller, long offset, long nowNanos) {
        long applied = image.offset();
        if (closed || awaited >= 0 && (applied >= awaited || awaitedSince - openedNanos < 0)) {
            awaited = -1; // reached, or a new stream opened since: judge afresh
        }
        if (closed || offset <= applied) {
            return;
        }
        if (awaited < 0) {
            awaited = offset;
            awaitedSince = nowNanos;
            return;
        }
        if (nowNanos - awaitedSince < stalledAfterNanos) {
            return;
        }
        log.info("Metadata stream from controller {} stalled: the image is at offset {}, {} behind offset {} that controller {} "
            + "reported {} ms ago; watching controller {} instead", watching, applied, awaited - applied, awaited, controller,
            TimeUnit.NANOSECONDS.toMillis(nowNanos - awaitedSince), controller);
        awaited = -1;
        openedNanos = nowNanos; // not judged again before the new stream had its time
        try {
            calls.execute(() -> watch(controller));
        } catch (RejectedExecutionException e) {
            // The node is stopping: there is nothing left to watch for.
        }
    }

    /** The events of one stream; dropped once another stream replaced it. */
    private final class Observer implements ClientResponseObserver<WatchMetadataRequest, MetadataEvent> {
        private final int controller;
        private final long mine;

        Observer(int controller, long mine) {
            this.controller = controller;
            this.mine = mine;
        }

        @Override
        public void beforeStart(ClientCallStreamObserver<WatchMetadataRequest> requestStream) {
            call = requestStream; // called inside watchMetadata, under the streams lock
        }

        @Override
        public void onNext(MetadataEvent event) {
            synchronized (streams) {
                if (mine == generation) {
                    apply(event);
                }
            }
        }

        @Override
        public void onError(Throwable t) {
            retryWatch();
        }

        @Override
        public void onCompleted() {
            retryWatch();
        }

        private void retryWatch() {
            synchronized (streams) {
                if (closed || mine != generation) {
                    return; // replaced: the new stream is open already
                }
            }
            int next = controllers.after(controller);
            calls.schedule(() -> watch(next), 200, TimeUnit.MILLISECONDS);
        }
    }

    private void apply(MetadataEvent event) {
        if (closed) {
            // Stopping: the roles this would update are closing too (a late event used to
            // fail on a shut-down executor and log an ERROR on every clean stop).
            return;
        }
        // Partition roles (and groups) follow only an image that holds this process's own
        // registration. An image from before it is stale about this broker: it may name it leader
        // of partitions it led before a restart, whose records it may have lost (a replaced
        // directory, unflushed writes), while the batch that registers it moves those leaderships
        // away. Acting on it made the followers truncate to an empty log (fault suite, seed 1400:
        // the quorum had no majority, so the registration and the fencing stayed uncommitted while
        // a voter's stream served the old image). Kafka's broker likewise publishes metadata to its
        // replica manager only once it has caught up with its registration.
        MetadataImage next = switch (event.getEventCase()) {
            case SNAPSHOT -> MetadataImage.fromProto(event.getSnapshot());
            case BATCH -> event.getBatch().getOffset() <= image.offset() ? image
                : image.apply(event.getBatch().getBatch(), event.getBatch().getTerm(), event.getBatch().getOffset()).image();
            default -> image;
        };
        if (next != image) {
            image = next;
            BrokerInfo self = next.brokers().get(brokerId);
            if (!ownRegistrationSeen && self != null && self.incarnationId().equals(session.incarnationId())) {
                ownRegistrationSeen = true;
            }
            if (ownRegistrationSeen) {
                try {
                    onImage.accept(next);
                } catch (RuntimeException e) {
                    log.error("Applying metadata at offset {} failed", next.offset(), e);
                }
            } else {
                log.debug("Metadata at offset {} not applied to partitions yet: it does not hold this broker's registration",
                    next.offset());
            }
            // Heartbeats report this offset, so the controller unfences the broker only once
            // its partitions and groups reflect its registration, not just once the image does.
            readiness.applied(next.offset());
            if (self != null && self.epoch() == session.brokerEpoch()) {
                readiness.fenced(self.fenced());
            }
            if (session.isFenced() && session.brokerEpoch() >= 0 && next.offset() >= session.brokerEpoch() && !closed) {
                // Caught up with our own registration: ask to be unfenced now, not at the next beat.
                session.heartbeatNow();
            }
            session.publishServing();
        }
    }

    /** Ignores whatever the stream still delivers and opens it no more. */
    void close() {
        closed = true;
    }
}
