package io.runnel.broker.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.runnel.broker.partition.TopicPartition;
import io.runnel.broker.replication.LeaderEndpoint.Answer;
import io.runnel.broker.replication.LeaderEndpoint.PartitionData;
import io.runnel.broker.replication.LeaderEndpoint.PartitionFetch;
import io.runnel.proto.v1.ReplicaFetchRequest;
import io.runnel.proto.v1.ReplicaFetchResponse;
import io.runnel.proto.v1.ReplicationGrpc;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A follower's endpoint against a leader that takes each ReplicaFetchStream and never answers (a
 * paused or wedged leader process whose connection stays up): the fetch in flight fails once it
 * is overdue, and the next fetch opens a new stream instead of queueing behind the dead one.
 */
class StalledLeaderEndpointTest {
    private final AtomicInteger streamsOpened = new AtomicInteger();
    private Server server;
    private GrpcLeaderEndpoint endpoint;

    @BeforeEach
    void start() throws Exception {
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(new ReplicationGrpc.ReplicationImplBase() {
                @Override
                public StreamObserver<ReplicaFetchRequest> replicaFetchStream(StreamObserver<ReplicaFetchResponse> responses) {
                    streamsOpened.incrementAndGet();
                    return new StreamObserver<>() {
                        @Override
                        public void onNext(ReplicaFetchRequest value) {
                            // never answered
                        }

                        @Override
                        public void onError(Throwable t) {
                        }

                        @Override
                        public void onCompleted() {
                        }
                    };
                }
            }).build().start();
        endpoint = new GrpcLeaderEndpoint("127.0.0.1", server.getPort(), 300);
    }

    @AfterEach
    void stop() {
        endpoint.close();
        server.shutdownNow();
    }

    @Test
    void anUnansweredFetch_failsWhenOverdue_andTheNextOneOpensANewStream() {
        for (int round = 1; round <= 2; round++) {
            CompletableFuture<List<PartitionData>> outcome = fetchAsync(endpoint);
            int opened = round;
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> streamsOpened.get() == opened);
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
                endpoint.expireOverdue(); // what the fetcher's timer does every second
                return outcome.isDone();
            });
            ExecutionException failed = assertThrows(ExecutionException.class, outcome::get);
            assertInstanceOf(TimeoutException.class, failed.getCause());
            assertTrue(failed.getCause().getMessage().contains("within 400 ms"), failed.getCause().getMessage());
        }
        assertEquals(2, streamsOpened.get(), "the fetch after an expired one went on a new stream");
    }

    private static CompletableFuture<List<PartitionData>> fetchAsync(GrpcLeaderEndpoint endpoint) {
        CompletableFuture<List<PartitionData>> outcome = new CompletableFuture<>();
        endpoint.fetch(2, 100, 1, List.of(new PartitionFetch(new TopicPartition("orders", 0), 0, 0, -1, 1 << 20)),
            Answer.completing(outcome));
        return outcome;
    }

    @Test
    void aFetchNotYetOverdue_isLeftWaiting_andClosingTheEndpointFailsIt() throws Exception {
        GrpcLeaderEndpoint patient = new GrpcLeaderEndpoint("127.0.0.1", server.getPort(), 600_000);
        CompletableFuture<List<PartitionData>> outcome;
        try {
            outcome = fetchAsync(patient);
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> streamsOpened.get() == 1);
            patient.expireOverdue();
            assertFalse(outcome.isDone(), "a fetch within its timeout is left waiting");
        } finally {
            patient.close();
        }
        assertThrows(ExecutionException.class, () -> outcome.get(30, TimeUnit.SECONDS));
    }
}
