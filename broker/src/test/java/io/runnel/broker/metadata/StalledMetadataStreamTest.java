package io.runnel.broker.metadata;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.InsecureChannelCredentials;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.runnel.broker.node.TestCluster;
import io.runnel.proto.v1.ControllerGrpc;
import io.runnel.proto.v1.MetadataEvent;
import io.runnel.proto.v1.WatchMetadataRequest;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A metadata stream that stays open but delivers nothing (its voter paused or partitioned away)
 * while heartbeats reach the active controller: the broker must notice from the heartbeat answers
 * that the log moved on and watch the active controller instead.
 */
class StalledMetadataStreamTest {
    @TempDir
    Path dir;

    @Test
    void aStalledStreamIsReopenedOnTheControllerThatAnswersHeartbeats() throws Exception {
        AtomicInteger watchesOpened = new AtomicInteger();
        CountDownLatch watchOpened = new CountDownLatch(1);
        CountDownLatch watchCancelled = new CountDownLatch(1);
        // A real gRPC server in place of a paused voter: it accepts the stream and never sends.
        Server silentVoter = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(new ControllerGrpc.ControllerImplBase() {
                @Override
                public void watchMetadata(WatchMetadataRequest request, StreamObserver<MetadataEvent> events) {
                    ((ServerCallStreamObserver<MetadataEvent>) events).setOnCancelHandler(watchCancelled::countDown);
                    watchesOpened.incrementAndGet();
                    watchOpened.countDown();
                }
            }).build().start();
        ScheduledExecutorService calls = Executors.newScheduledThreadPool(2);
        try (TestCluster cluster = TestCluster.start(dir, 1, Map.of())) {
            // Broker 5 of controllers [1, 2] starts watching controller 2 (5 % 2 = 1: the second id), the
            // silent one, and heartbeats controller 1, the real and active one.
            Map<Integer, InetSocketAddress> controllers = Map.of(
                1, new InetSocketAddress("127.0.0.1", cluster.controllerPort(1)),
                2, new InetSocketAddress("127.0.0.1", silentVoter.getPort()));
            try (ControllerClient client = new ControllerClient(5, controllers, InsecureChannelCredentials.create(),
                new AdvertisedListeners(new InetSocketAddress("127.0.0.1", 1), new InetSocketAddress("127.0.0.1", 2), Optional.empty()),
                "", "", calls, 100, image -> { })) {
                client.start();
                assertTrue(watchOpened.await(10, TimeUnit.SECONDS), "the broker watches the silent voter first");

                await().atMost(Duration.ofSeconds(20)).until(() -> client.brokerEpoch() >= 0
                    && client.image().offset() >= client.brokerEpoch() && client.image().brokers().containsKey(5));
                assertTrue(watchCancelled.await(10, TimeUnit.SECONDS), "the stalled stream was cancelled");

                // The new stream carries what the controller commits next, and the broker stays on it.
                cluster.createTopic("after-stall", 1, 1, Map.of());
                await().atMost(Duration.ofSeconds(10)).until(() -> client.image().topics().containsKey("after-stall"));
                assertEquals(1, watchesOpened.get(), "the broker went back to the silent voter");
            }
        } finally {
            calls.shutdownNow();
            silentVoter.shutdownNow();
        }
    }
}
