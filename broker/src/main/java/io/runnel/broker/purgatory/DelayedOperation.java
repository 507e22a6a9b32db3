package io.runnel.broker.purgatory;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A request that waits for progress elsewhere (an acks=all produce for the high watermark, a long
 * poll for data) and completes exactly once: on progress, when {@link #tryComplete} finds its
 * condition met and calls {@link #forceComplete}, or at its timeout.
 *
 * <p>Every operation is answered: {@link #onComplete} runs even when {@link #onExpiration} throws.
 *
 * <p>Thread-safety: {@link #tryComplete} may run on many threads at once (every append to a
 * watched partition checks it); {@link #forceComplete} lets exactly one of them win.
 */
public abstract class DelayedOperation {
    private final long timeoutMs;
    private final AtomicBoolean completed = new AtomicBoolean();
    /** Takes the operation's timeout off the purgatory's timer (set once it is watched). */
    private volatile Runnable cancelTimeout;

    protected DelayedOperation(long timeoutMs) {
        if (timeoutMs < 0) {
            throw new IllegalArgumentException("timeout must be >= 0 ms, got " + timeoutMs);
        }
        this.timeoutMs = timeoutMs;
    }

    public long timeoutMs() {
        return timeoutMs;
    }

    public boolean isCompleted() {
        return completed.get();
    }

    /**
     * Checks the condition; if met, calls {@link #forceComplete} and returns its result. Must not
     * block: it runs on the thread that made progress.
     */
    public abstract boolean tryComplete();

    /** Sends the response. Runs once, on whichever thread completed the operation. */
    protected abstract void onComplete();

    /** Called before {@link #onComplete} when the operation completes by timing out. */
    protected void onExpiration() {
    }

    /** Completes the operation if nobody else has; returns whether this call did. */
    public final boolean forceComplete() {
        if (!completed.compareAndSet(false, true)) {
            return false;
        }
        Runnable cancel = cancelTimeout;
        if (cancel != null) {
            cancel.run();
        }
        onComplete();
        return true;
    }

    final void expire() {
        if (!isCompleted()) {
            // Run the expiration hook only if this call is the one that completes it.
            if (completed.compareAndSet(false, true)) {
                // The answer goes out even if the hook fails: a caller must never wait past its timeout.
                try {
                    onExpiration();
                } finally {
                    onComplete();
                }
            }
        }
    }

    final void cancelTimeout(Runnable cancel) {
        this.cancelTimeout = cancel;
        if (isCompleted()) {
            cancel.run();
        }
    }
}
