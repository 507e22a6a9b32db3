package io.runnel.broker.metadata;

import java.util.Optional;

/**
 * Whether this broker may answer for the cluster's metadata yet. A restarted broker starts with
 * an empty image: until it has applied the metadata log up to its own registration (every
 * record the controller had committed when it registered), "no such topic" or "no such
 * partition here" would be a false answer. So, as Kafka's BrokerLifecycleManager does, the
 * broker goes through three states:
 * <ol>
 *   <li><b>catching up</b>: not registered yet, or its applied metadata offset is below the
 *       offset of its registration record (its broker epoch);</li>
 *   <li><b>waiting to be unfenced</b>: caught up, and the controller has not yet confirmed in a
 *       heartbeat answer (or in the metadata it applied) that it is unfenced;</li>
 *   <li><b>ready</b>: for the rest of the process's life. A later fencing (a missed session) or a
 *       re-registration does not take it back: the metadata stream kept going meanwhile, so what
 *       the broker knows is still the log's latest.</li>
 * </ol>
 * Until ready, the services answer retriable errors (LEADER_NOT_AVAILABLE per partition, gRPC
 * UNAVAILABLE for whole requests, COORDINATOR_NOT_AVAILABLE for coordinator lookups), never
 * UNKNOWN_TOPIC_OR_PARTITION.
 *
 * <p>Thread-safety: safe from any thread; the state changes are serialized.
 */
public final class MetadataReadiness {
    private final int brokerId;
    private volatile long registrationOffset = -1;
    private volatile long appliedOffset = -1;
    private volatile boolean unfenced;
    private volatile boolean ready;

    public MetadataReadiness(int brokerId) {
        this.brokerId = brokerId;
    }

    /** The controller accepted a registration; its record is at {@code offset} (the broker epoch). */
    public synchronized void registered(long offset) {
        registrationOffset = offset;
        unfenced = false;
        update();
    }

    /** The broker has applied every metadata record up to {@code offset} to its partitions and groups. */
    public synchronized void applied(long offset) {
        appliedOffset = Math.max(appliedOffset, offset);
        update();
    }

    /**
     * A heartbeat answer, or the applied image, said whether the broker is fenced in its current
     * registration.
     */
    public synchronized void fenced(boolean fenced) {
        unfenced = !fenced;
        update();
    }

    private void update() {
        if (!ready && caughtUp() && unfenced) {
            ready = true;
        }
    }

    private boolean caughtUp() {
        return registrationOffset >= 0 && appliedOffset >= registrationOffset;
    }

    /** The last metadata offset applied, as heartbeats report it to the controller (-1 before any). */
    public long appliedOffset() {
        return appliedOffset;
    }

    public boolean isReady() {
        return ready;
    }

    /**
     * Empty once ready; else why this broker cannot answer for metadata yet, for error messages.
     * Every request asks, so the ready case reads one volatile field and takes no lock.
     */
    public Optional<String> notReady() {
        return ready ? Optional.empty() : describe();
    }

    private synchronized Optional<String> describe() {
        if (ready) {
            return Optional.empty();
        }
        if (registrationOffset < 0) {
            return Optional.of("broker " + brokerId + " is still catching up with metadata: not registered with the "
                + "controller yet (applied metadata offset " + appliedOffset + ")");
        }
        if (!caughtUp()) {
            return Optional.of("broker " + brokerId + " is still catching up with metadata: applied offset " + appliedOffset
                + " of its registration at " + registrationOffset);
        }
        return Optional.of("broker " + brokerId + " is still catching up with metadata: caught up to offset " + appliedOffset
            + ", waiting for the controller to unfence it");
    }
}
