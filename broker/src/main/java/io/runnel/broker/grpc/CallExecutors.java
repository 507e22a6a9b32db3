package io.runnel.broker.grpc;

import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * Where a listener runs its calls. The hot data-path methods (produce, fetch, replica fetch) never
 * block, so they run on the transport's event-loop thread that read them: no hand-off to another
 * thread and back for each call, which on two cores cost more CPU than the calls' own work (a
 * profile of the end-to-end workload: half the executor threads' time was parking and waking).
 * Every other method (admin calls forwarded to the controller, group coordination, reflection)
 * may wait, so it runs on a thread pool of its own, as gRPC's default would.
 *
 * <p>Used with {@code ServerBuilder.directExecutor()}: gRPC then looks the method up on the event
 * loop and asks {@link #getExecutor} where to run the call.
 */
final class CallExecutors implements ServerCallExecutorSupplier, AutoCloseable {
    private final Set<String> onTransportThread;
    private final ExecutorService mayBlock;

    /**
     * @param onTransportThread the methods that never block and run on the event loop
     * @param poolName          the name prefix of the threads that run every other method
     */
    CallExecutors(Set<MethodDescriptor<?, ?>> onTransportThread, String poolName) {
        this.onTransportThread = onTransportThread.stream().map(MethodDescriptor::getFullMethodName)
            .collect(Collectors.toUnmodifiableSet());
        AtomicInteger count = new AtomicInteger();
        ThreadFactory threads = r -> {
            Thread t = new Thread(r, poolName + "-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        this.mayBlock = Executors.newCachedThreadPool(threads);
    }

    /** Null (the server's direct executor) for the non-blocking methods; the pool for the rest. */
    @Override
    public <ReqT, RespT> Executor getExecutor(ServerCall<ReqT, RespT> call, Metadata headers) {
        return onTransportThread.contains(call.getMethodDescriptor().getFullMethodName()) ? null : mayBlock;
    }

    /** The pool, for work a non-blocking method finds it must wait for after all. */
    Executor mayBlock() {
        return mayBlock;
    }

    @Override
    public void close() {
        mayBlock.shutdown();
    }
}
