package io.runnel.client.admin;

import io.runnel.client.admin.RunnelAdmin.AdminException;
import io.runnel.client.common.Bootstrap;
import io.runnel.client.common.RetriableErrors;
import io.runnel.proto.v1.AdminGrpc;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.TopicResult;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * How the admin client makes its calls: a blocking Admin stub through any bootstrap server, and
 * {@link #retrying} a call through retriable failures with a growing backoff until the retry
 * timeout. Shared by {@link RunnelAdmin}, {@link AclAdmin} and {@link QuorumAdmin}.
 *
 * <p>Thread-safety: safe from any thread.
 */
final class AdminCalls {
    private static final long FIRST_BACKOFF_MS = 50;
    private static final long MAX_BACKOFF_MS = 1_000;
    /** The longest one Admin call may take (a topic creation waits for its Raft commit). */
    private static final long MAX_RPC_MS = 30_000;
    private static final long MIN_RPC_MS = 1_000;

    private final Bootstrap bootstrap;
    private final Duration retryTimeout;

    AdminCalls(Bootstrap bootstrap, Duration retryTimeout) {
        this.bootstrap = bootstrap;
        this.retryTimeout = retryTimeout;
    }

    AdminGrpc.AdminBlockingStub admin() {
        // One call waits no longer than all of its retries may (a short retry timeout is a short call).
        long rpcMs = Math.min(MAX_RPC_MS, Math.max(MIN_RPC_MS, retryTimeout.toMillis()));
        return AdminGrpc.newBlockingStub(bootstrap.anyChannel()).withDeadlineAfter(rpcMs, TimeUnit.MILLISECONDS);
    }

    /**
     * Throws a refused topic call's error: to be retried if {@link RetriableErrors} lists it,
     * except UNKNOWN_TOPIC_OR_PARTITION, which from the controller is the answer about the topic
     * named (retrying it would make every call on a missing topic wait out the whole timeout).
     */
    static void check(TopicResult r) {
        if (r.getError() == ErrorCode.NONE) {
            return;
        }
        AdminException refused = new AdminException(r.getError(), r.getName() + ": " + r.getErrorMessage());
        if (r.getError() != ErrorCode.UNKNOWN_TOPIC_OR_PARTITION && RetriableErrors.isRetriable(r.getError())) {
            throw new RetriableAnswer(refused);
        }
        throw refused;
    }

    /**
     * Runs {@code call} until it returns, repeating it after a backoff (doubling from
     * {@value #FIRST_BACKOFF_MS} ms to {@value #MAX_BACKOFF_MS} ms) while it fails retriably: a
     * {@link RetriableAnswer}, a retriable gRPC status, or no bootstrap server answering. Past the
     * retry timeout the last failure is thrown: the answer as an {@link AdminException} saying how
     * long it was retried, or the transport failure itself (which names its status; no broker
     * answering stays a {@link Bootstrap.ClusterUnreachableException}). Interrupted (the caller
     * gave up), it throws the failure it was retrying, not the interruption.
     */
    <T> T retrying(Supplier<T> call) {
        long deadline = System.nanoTime() + retryTimeout.toNanos();
        long backoffMs = FIRST_BACKOFF_MS;
        RuntimeException previous = null;
        while (true) {
            RuntimeException failure;
            try {
                return call.get();
            } catch (RetriableAnswer e) {
                failure = e.answer;
            } catch (AdminException e) {
                throw e;
            } catch (RuntimeException e) {
                if (Thread.currentThread().isInterrupted() && previous != null) {
                    throw previous; // the caller gave up (a command's deadline): what the retries waited for
                }
                if (!RetriableErrors.isRetriable(e)) {
                    throw e;
                }
                failure = e;
            }
            previous = failure;
            if (System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoffMs) >= deadline) {
                if (failure instanceof AdminException e) {
                    throw new AdminException(e.code(), "still failing after retrying for " + retryTimeout.toMillis()
                        + " ms; last: " + e.getMessage(), e);
                }
                throw failure;
            }
            try {
                TimeUnit.MILLISECONDS.sleep(backoffMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw failure;
            }
            backoffMs = Math.min(MAX_BACKOFF_MS, backoffMs * 2);
        }
    }

    void retrying(Runnable call) {
        retrying(() -> {
            call.run();
            return null;
        });
    }

    /** Throws a refused call's error: to be retried (a {@link RetriableAnswer}) if {@link RetriableErrors} lists it. */
    static void checkAnswer(ErrorCode error, String message) {
        if (error == ErrorCode.NONE) {
            return;
        }
        AdminException refused = new AdminException(error, message);
        if (RetriableErrors.isRetriable(error)) {
            throw new RetriableAnswer(refused);
        }
        throw refused;
    }


    /** A refusal worth retrying, caught by {@link #retrying}; never leaves the admin client. */
    static final class RetriableAnswer extends RuntimeException {
        private final AdminException answer;

        RetriableAnswer(AdminException answer) {
            super(answer.getMessage(), null, false, false);
            this.answer = answer;
        }
    }
}
