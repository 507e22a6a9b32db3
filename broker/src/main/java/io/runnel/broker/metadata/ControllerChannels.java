package io.runnel.broker.metadata;

import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.runnel.proto.v1.ControllerGrpc;
import java.io.Closeable;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.ToIntFunction;

/**
 * The broker's gRPC channels to the controller quorum and the controller it takes for the active
 * one, moved along by NOT_CONTROLLER hints ({@link #follow}); also runs forwarded admin calls
 * against the active controller ({@link #forward}). The broker-side counterpart of Kafka's
 * BrokerToControllerChannelManager.
 *
 * <p>Thread-safety: the channel map and the controller ids are fixed at construction; the active
 * controller is a volatile that any thread may move (last writer wins, no lock).
 */
final class ControllerChannels implements Closeable {
    private final Map<Integer, ManagedChannel> channels = new TreeMap<>();
    private final List<Integer> controllerIds;
    /** Runs the blocking forwarded calls; owned by the caller. */
    private final ScheduledExecutorService calls;
    private volatile int active;

    ControllerChannels(Map<Integer, InetSocketAddress> controllers, ChannelCredentials credentials,
                       ScheduledExecutorService calls) {
        this.calls = calls;
        controllers.forEach((id, address) -> channels.put(id, NettyChannelBuilder
            .forAddress(address.getHostString(), address.getPort(), credentials).maxInboundMessageSize(256 << 20).build()));
        this.controllerIds = List.copyOf(channels.keySet());
        this.active = controllerIds.get(0);
    }

    /** The controller ids, in ascending order. */
    List<Integer> ids() {
        return controllerIds;
    }

    /** The controller taken for the active one. */
    int active() {
        return active;
    }

    /** The controller after {@code controller} in id order, wrapping around. */
    int after(int controller) {
        return controllerIds.get((controllerIds.indexOf(controller) + 1) % controllerIds.size());
    }

    /** A blocking stub to {@code controller} whose call waits at most 5 s. */
    ControllerGrpc.ControllerBlockingStub stub(int controller) {
        return ControllerGrpc.newBlockingStub(channels.get(controller)).withDeadlineAfter(5, TimeUnit.SECONDS);
    }

    /** A blocking stub to {@code controller} whose call waits at most {@code deadlineMs}. */
    ControllerGrpc.ControllerBlockingStub stub(int controller, long deadlineMs) {
        return ControllerGrpc.newBlockingStub(channels.get(controller)).withDeadlineAfter(deadlineMs, TimeUnit.MILLISECONDS);
    }

    /** An asynchronous stub to {@code controller} (no deadline: the metadata stream stays open). */
    ControllerGrpc.ControllerStub asyncStub(int controller) {
        return ControllerGrpc.newStub(channels.get(controller));
    }

    /** Moves to the hinted active controller, or the next one when there is no hint. */
    void follow(int hint) {
        if (hint >= 0 && channels.containsKey(hint)) {
            active = hint;
        } else {
            active = after(active);
        }
    }

    /**
     * Runs {@code call} against the active controller on a background thread, moving to the hinted
     * (or next) controller while the answer says NOT_CONTROLLER or the controller is unreachable.
     *
     * @param hint           the response's controller id field
     * @param notController  whether the response says the node was not the active controller
     */
    <T> CompletableFuture<T> forward(Function<ControllerGrpc.ControllerBlockingStub, T> call, ToIntFunction<T> hint,
                                     Predicate<T> notController) {
        return CompletableFuture.supplyAsync(() -> {
            RuntimeException last = null;
            for (int attempt = 0; attempt < controllerIds.size() * 3; attempt++) {
                int target = active;
                try {
                    T response = call.apply(ControllerGrpc.newBlockingStub(channels.get(target)).withDeadlineAfter(15, TimeUnit.SECONDS));
                    if (!notController.test(response)) {
                        return response;
                    }
                    follow(hint.applyAsInt(response));
                } catch (StatusRuntimeException e) {
                    last = e;
                    follow(-1);
                }
            }
            throw last != null ? last : new IllegalStateException("no active controller among " + controllerIds);
        }, calls);
    }

    @Override
    public void close() {
        for (ManagedChannel channel : channels.values()) {
            channel.shutdownNow();
        }
    }
}
