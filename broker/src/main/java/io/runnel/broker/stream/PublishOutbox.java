package io.runnel.broker.stream;

import io.grpc.stub.ServerCallStreamObserver;
import io.runnel.proto.v1.PublishResponse;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The answers of one Publish stream on their way to the transport, and its flow control: answers
 * are handed over only while the transport is ready, and each ack handed over lets one more
 * message in ({@code request(1)}), so at most the session's in-flight limit of messages is read
 * ahead of the acks. Once the client is done and every message read has been acked, the stream is
 * completed.
 *
 * <p>Not thread-safe: its {@link PublishSession}'s lock guards it.
 */
final class PublishOutbox {
    private final ServerCallStreamObserver<PublishResponse> out;
    /** Responses the transport was not ready for. */
    private final Deque<PublishResponse> unsent = new ArrayDeque<>();
    /** Messages read from the client whose ack has not been handed to the transport. */
    private int unacked;
    private boolean clientDone;

    PublishOutbox(ServerCallStreamObserver<PublishResponse> out) {
        this.out = out;
    }

    /** A message was read from the client: it owes an ack. */
    void messageRead() {
        unacked++;
    }

    /** The client sent all it will (half-close). */
    void clientDone() {
        clientDone = true;
    }

    void add(PublishResponse response) {
        unsent.add(response);
    }

    /**
     * Hands queued responses to the transport while it is ready; completes the stream once the
     * client is done and nothing is owed.
     *
     * @return whether the stream was completed
     */
    boolean drain() {
        while (!unsent.isEmpty() && out.isReady()) {
            PublishResponse r = unsent.poll();
            out.onNext(r);
            if (r.hasAck()) {
                unacked--;
                out.request(1);
            }
        }
        if (clientDone && unacked == 0 && unsent.isEmpty()) {
            out.onCompleted();
            return true;
        }
        return false;
    }

    /** The client went away: nothing queued is sent. */
    void discard() {
        unsent.clear();
    }
}
