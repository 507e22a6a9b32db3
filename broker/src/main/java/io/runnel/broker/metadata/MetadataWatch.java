package io.runnel.broker.metadata;

import io.grpc.stub.StreamObserver;
import io.runnel.metadata.image.BrokerInfo;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.proto.v1.MetadataEvent;
import io.runnel.proto.v1.WatchMetadataRequest;
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
 * <p>The stream is a gRPC watch rather than a Raft listener: a broker then needs no Raft port or
 * Raft log of its own, the leader runs no log appender per broker, and brokers can come and go
 * without a Raft configuration change. Catch-up after a long absence is a snapshot in the stream.
 *
 * <p>Thread-safety: the image is volatile and written only by the stream's callbacks, which gRPC
 * runs one at a time per stream (and only one stream is open at a time); images are immutable.
 * The closed flag is volatile.
 */
final class MetadataWatch {
    private static final Logger log = LoggerFactory.getLogger(MetadataWatch.class);

    private final int brokerId;
    private final ControllerChannels controllers;
    /** Runs the retries of a broken stream; owned by the caller. */
    private final ScheduledExecutorService calls;
    private final MetadataReadiness readiness;
    private final BrokerSession session;
    private final Consumer<MetadataImage> onImage;
    private volatile MetadataImage image = MetadataImage.EMPTY;
    private volatile boolean closed;

    /** @param onImage called with every new image, on the stream's thread */
    MetadataWatch(int brokerId, ControllerChannels controllers, ScheduledExecutorService calls, MetadataReadiness readiness,
                  BrokerSession session, Consumer<MetadataImage> onImage) {
        this.brokerId = brokerId;
        this.controllers = controllers;
        this.calls = calls;
        this.readiness = readiness;
        this.session = session;
        this.onImage = onImage;
    }

    MetadataImage image() {
        return image;
    }

    /** Opens the stream on {@code controller}; it is opened again on the next one whenever it ends, until closed. */
    void start(int controller) {
        watch(controller);
    }

    private void watch(int controller) {
        if (closed) {
            return;
        }
        controllers.asyncStub(controller).watchMetadata(
            WatchMetadataRequest.newBuilder().setFromOffset(image.offset()).build(), new StreamObserver<>() {
                @Override
                public void onNext(MetadataEvent event) {
                    if (closed) {
                        // Stopping: the roles this would update are closing too (a late event used to
                        // fail on a shut-down executor and log an ERROR on every clean stop).
                        return;
                    }
                    MetadataImage next = switch (event.getEventCase()) {
                        case SNAPSHOT -> MetadataImage.fromProto(event.getSnapshot());
                        case BATCH -> event.getBatch().getOffset() <= image.offset() ? image
                            : image.apply(event.getBatch().getBatch(), event.getBatch().getTerm(), event.getBatch().getOffset()).image();
                        default -> image;
                    };
                    if (next != image) {
                        image = next;
                        try {
                            onImage.accept(next);
                        } catch (RuntimeException e) {
                            log.error("Applying metadata at offset {} failed", next.offset(), e);
                        }
                        // Heartbeats report this offset, so the controller unfences the broker only once
                        // its partitions and groups reflect its registration, not just once the image does.
                        readiness.applied(next.offset());
                        BrokerInfo self = next.brokers().get(brokerId);
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

                @Override
                public void onError(Throwable t) {
                    retryWatch(controller);
                }

                @Override
                public void onCompleted() {
                    retryWatch(controller);
                }
            });
    }

    private void retryWatch(int failed) {
        if (!closed) {
            int next = controllers.after(failed);
            calls.schedule(() -> watch(next), 200, TimeUnit.MILLISECONDS);
        }
    }

    /** Ignores whatever the stream still delivers and opens it no more. */
    void close() {
        closed = true;
    }
}
