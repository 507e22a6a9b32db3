package io.runnel.broker.metadata;

import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Whether the broker is ready to serve right now, for its readiness probe (the gRPC health
 * service's {@code ""} status). {@link MetadataReadiness} says whether it has <em>ever</em> caught
 * up since it started (and stays ready); this says whether it still is. The broker serves when all
 * of these hold:
 * <ol>
 *   <li>it is {@linkplain MetadataReadiness ready}: registered, caught up to its registration and
 *       unfenced once;</li>
 *   <li>the active controller answered a heartbeat within {@code maxSilenceMs} (the broker
 *       session timeout): without a quorum there is no active controller to answer, so a broker
 *       that has lost the quorum stops reporting SERVING after one session, just as the
 *       controller, once there is one again, would fence it;</li>
 *   <li>that answer said it is not fenced;</li>
 *   <li>it has applied the metadata log up to the offset the controller reported one heartbeat
 *       earlier: a broker whose metadata stream broke falls behind as soon as the log moves on
 *       (while the log stands still, what it knows is still current). One heartbeat interval of
 *       lag is allowed, since the answer and the batches it counts travel separately.</li>
 * </ol>
 *
 * {@link #publish} hands each turn (and the first state) to a listener: the node sets its
 * listeners' health status from it.
 *
 * <p>Thread-safety: safe from any thread; {@code this} guards every field and orders the
 * listener's calls. The callers (the session and metadata-stream threads) never hold another
 * lock while calling in.
 */
public final class ServingState {
    private final int brokerId;
    private final MetadataReadiness readiness;
    private final long maxSilenceNanos;
    private long lastAnswerNanos;
    private boolean answered;
    private boolean fenced = true;
    private long previousControllerOffset = -1;
    private long latestControllerOffset = -1;
    private boolean shuttingDown;
    private final Consumer<Optional<String>> listener;
    /** What was last handed to the listener (null before the first call). */
    private Optional<String> published;

    /**
     * @param maxSilenceMs how long without an answered heartbeat the broker still counts as serving
     * @param listener     told each turn: empty when the broker serves, else why not
     */
    public ServingState(int brokerId, MetadataReadiness readiness, long maxSilenceMs, Consumer<Optional<String>> listener) {
        if (maxSilenceMs <= 0) {
            throw new IllegalArgumentException("max silence must be > 0 ms, got " + maxSilenceMs);
        }
        this.brokerId = brokerId;
        this.readiness = readiness;
        this.maxSilenceNanos = TimeUnit.MILLISECONDS.toNanos(maxSilenceMs);
        this.listener = listener;
    }

    /** A controlled shutdown began: not serving from now on, told to the listener at once. */
    public synchronized void shuttingDown() {
        shuttingDown = true;
        publish(System.nanoTime());
    }

    /** Tells the listener the state at {@code nowNanos} if it turned since the last call (or on the first). */
    public synchronized void publish(long nowNanos) {
        Optional<String> now = notServing(nowNanos);
        if (published == null || now.isPresent() != published.isPresent()) {
            published = now;
            listener.accept(now);
        }
    }

    /** A new registration (a new broker epoch): fenced until a heartbeat answer says otherwise. */
    public synchronized void registered() {
        fenced = true;
    }

    /**
     * The active controller answered a heartbeat at {@code nowNanos}.
     *
     * @param controllerOffset the controller's applied metadata offset when it answered
     */
    public synchronized void heartbeatAnswered(long nowNanos, boolean fenced, long controllerOffset) {
        this.answered = true;
        this.lastAnswerNanos = nowNanos;
        this.fenced = fenced;
        this.previousControllerOffset = latestControllerOffset;
        this.latestControllerOffset = controllerOffset;
    }

    /** Empty when the broker serves; else why not, naming what it waits for. */
    public synchronized Optional<String> notServing(long nowNanos) {
        if (shuttingDown) {
            return Optional.of("broker " + brokerId + " is shutting down");
        }
        Optional<String> notReady = readiness.notReady();
        if (notReady.isPresent()) {
            return notReady;
        }
        if (!answered || nowNanos - lastAnswerNanos > maxSilenceNanos) {
            return Optional.of("broker " + brokerId + " has had no heartbeat answered by an active controller for "
                + (answered ? TimeUnit.NANOSECONDS.toMillis(nowNanos - lastAnswerNanos) + " ms" : "ever")
                + " (no quorum, or no controller reachable)");
        }
        if (fenced) {
            return Optional.of("broker " + brokerId + " is fenced by the controller");
        }
        long applied = readiness.appliedOffset();
        if (applied < previousControllerOffset) {
            return Optional.of("broker " + brokerId + " is behind the metadata log: applied offset " + applied
                + ", the controller was at " + previousControllerOffset + " a heartbeat ago");
        }
        return Optional.empty();
    }
}
