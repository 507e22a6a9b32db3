package io.runnel.metadata.service;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.metadata.quorum.MetadataStateMachine;
import io.runnel.proto.v1.AppliedBatch;
import io.runnel.proto.v1.MetadataBatch;
import io.runnel.proto.v1.MetadataEvent;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Serves WatchMetadata from this voter's state machine: keeps the last {@code window} applied
 * batches, answers a watcher that is within them with the batches it lacks, anyone further behind
 * with a snapshot of the image, and then pushes every batch as it is applied.
 *
 * <p>Thread-safety: {@code this} guards the window and the watcher list, so a new watcher's
 * catch-up and the live batches reach it in order with nothing missed or doubled.
 */
final class MetadataStream implements MetadataStateMachine.Listener {
    private final int window;
    private final MetadataStateMachine stateMachine;
    private final Deque<AppliedBatch> recent = new ArrayDeque<>();
    private final List<StreamObserver<MetadataEvent>> watchers = new ArrayList<>();

    MetadataStream(MetadataStateMachine stateMachine, int window) {
        this.stateMachine = stateMachine;
        this.window = window;
        stateMachine.addListener(this);
    }

    synchronized void watch(long fromOffset, StreamObserver<MetadataEvent> observer) {
        MetadataImage image = stateMachine.image();
        boolean covered = fromOffset >= image.offset()
            || !recent.isEmpty() && recent.peekFirst().getOffset() <= fromOffset + 1 && fromOffset > 0;
        if (!covered) {
            observer.onNext(MetadataEvent.newBuilder().setSnapshot(image.toProto()).build());
            fromOffset = image.offset();
        }
        for (AppliedBatch b : recent) {
            if (b.getOffset() > fromOffset) {
                observer.onNext(MetadataEvent.newBuilder().setBatch(b).build());
            }
        }
        watchers.add(observer);
        if (observer instanceof ServerCallStreamObserver<MetadataEvent> call) {
            call.setOnCancelHandler(() -> remove(observer));
        }
    }

    private synchronized void remove(StreamObserver<MetadataEvent> observer) {
        watchers.remove(observer);
    }

    @Override
    public synchronized void onApplied(MetadataBatch batch, long term, long offset, MetadataImage image) {
        AppliedBatch applied = AppliedBatch.newBuilder().setTerm(term).setOffset(offset).setBatch(batch).build();
        recent.addLast(applied);
        while (recent.size() > window) {
            recent.removeFirst();
        }
        send(MetadataEvent.newBuilder().setBatch(applied).build());
    }

    @Override
    public synchronized void onSnapshotLoaded(MetadataImage image) {
        recent.clear();
        send(MetadataEvent.newBuilder().setSnapshot(image.toProto()).build());
    }

    private void send(MetadataEvent event) {
        List<StreamObserver<MetadataEvent>> gone = new ArrayList<>();
        for (StreamObserver<MetadataEvent> w : watchers) {
            try {
                w.onNext(event);
            } catch (RuntimeException e) {
                gone.add(w); // cancelled by the client
            }
        }
        watchers.removeAll(gone);
    }

    synchronized void closeAll() {
        for (StreamObserver<MetadataEvent> w : watchers) {
            try {
                w.onCompleted();
            } catch (RuntimeException e) {
                // already cancelled
            }
        }
        watchers.clear();
    }
}
