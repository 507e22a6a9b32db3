package io.runnel.broker.metadata;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.InsecureChannelCredentials;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.runnel.broker.node.TestCluster;
import io.runnel.metadata.image.BrokerInfo;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.metadata.image.PartitionInfo;
import io.runnel.proto.v1.ControllerGrpc;
import io.runnel.proto.v1.MetadataEvent;
import io.runnel.proto.v1.WatchMetadataRequest;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A restarted broker must not take partition roles from an image that predates its own
 * registration. The fault suite lost 168 acknowledged records this way (seed 1400): a leader came
 * back with an empty directory while the quorum had no majority, a voter's stream served it the
 * committed image, which still named it leader, and the followers truncated to its empty log; the
 * registration that would have moved the leadership away committed seconds later.
 *
 * <p>Here broker 5 registers with a real one-node cluster and comes to lead a partition; the image
 * of that moment is what a stale voter (a real gRPC server that sends it and then nothing, as a
 * voter cut off from the quorum does) serves to broker 5's next incarnation. Nothing handed to the
 * broker's partitions may come from before the new incarnation's registration.
 */
class StaleImageBeforeRegistrationTest {
    private static final int BROKER = 5;

    @TempDir
    Path dir;

    @Test
    void imagesFromBeforeTheBrokersOwnRegistrationAreNotApplied() throws Exception {
        ScheduledExecutorService calls = Executors.newScheduledThreadPool(2);
        Server staleVoter = null;
        try (TestCluster cluster = TestCluster.start(dir, 1, Map.of())) {
            InetSocketAddress real = new InetSocketAddress("127.0.0.1", cluster.controllerPort(1));
            AdvertisedListeners advertised = new AdvertisedListeners(new InetSocketAddress("127.0.0.1", 1),
                new InetSocketAddress("127.0.0.1", 2), Optional.empty());

            // The first incarnation registers, is unfenced, and leads one of two one-replica partitions.
            MetadataImage stale;
            try (ControllerClient first = new ControllerClient(BROKER, Map.of(1, real), InsecureChannelCredentials.create(),
                advertised, "", "", calls, 100, image -> { })) {
                first.start();
                await().atMost(Duration.ofSeconds(20)).until(() -> first.readiness().isReady());
                cluster.createTopic("led", 2, 1, Map.of());
                await().atMost(Duration.ofSeconds(10)).until(() -> ledBy(first.image(), BROKER));
                stale = first.image();
            }
            String oldIncarnation = stale.brokers().get(BROKER).incarnationId();

            // A voter that fell behind: it serves that image and then stays silent.
            CountDownLatch staleServed = new CountDownLatch(1);
            MetadataImage served = stale;
            staleVoter = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(new ControllerGrpc.ControllerImplBase() {
                    @Override
                    public void watchMetadata(WatchMetadataRequest request, StreamObserver<MetadataEvent> events) {
                        events.onNext(MetadataEvent.newBuilder().setSnapshot(served.toProto()).build());
                        staleServed.countDown();
                    }
                }).build().start();

            // The next incarnation watches the stale voter first (5 % 2 = 1: the second id) and
            // registers with the real controller.
            List<MetadataImage> applied = new CopyOnWriteArrayList<>();
            try (ControllerClient second = new ControllerClient(BROKER, Map.of(1, real,
                2, new InetSocketAddress("127.0.0.1", staleVoter.getPort())), InsecureChannelCredentials.create(),
                advertised, "", "", calls, 100, applied::add)) {
                second.start();
                assertTrue(staleServed.await(10, TimeUnit.SECONDS), "the broker watched the stale voter");
                await().atMost(Duration.ofSeconds(20)).until(() -> second.readiness().isReady());

                assertTrue(applied.size() > 0, "images holding the registration are applied");
                for (MetadataImage image : applied) {
                    BrokerInfo self = image.brokers().get(BROKER);
                    assertNotEquals(oldIncarnation, self == null ? oldIncarnation : self.incarnationId(),
                        "an image from before this incarnation's registration reached the partitions (offset "
                            + image.offset() + ", the stale image is at " + stale.offset() + ")");
                }
                // The registration that the applied images hold moved the old incarnation's leadership away.
                assertEquals(List.of(), applied.get(0).topics().get("led").partitions().values().stream()
                    .filter(p -> p.leader() == BROKER && p.leaderEpoch() == leaderEpochOf(stale, p.partition())).toList());
            }
        } finally {
            calls.shutdownNow();
            if (staleVoter != null) {
                staleVoter.shutdownNow();
            }
        }
    }

    private static boolean ledBy(MetadataImage image, int broker) {
        return image.topics().containsKey("led")
            && image.topics().get("led").partitions().values().stream().anyMatch(p -> p.leader() == broker);
    }

    private static int leaderEpochOf(MetadataImage image, int partition) {
        PartitionInfo p = image.topics().get("led").partitions().get(partition);
        return p.leaderEpoch();
    }
}
