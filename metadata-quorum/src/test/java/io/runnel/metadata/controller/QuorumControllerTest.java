package io.runnel.metadata.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runnel.metadata.quorum.QuorumServer;
import io.runnel.metadata.quorum.SingleVoterQuorum;
import io.runnel.proto.v1.ErrorCode;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The active controller's own decisions on a real 1-voter quorum: the node limits it applies to
 * topics, producer-id blocks, and reassignments (sessions: {@link BrokerSessionsTest}).
 */
class QuorumControllerTest {
    @TempDir
    Path tmp;
    private QuorumServer quorum;
    private ScheduledExecutorService scheduler;
    private QuorumController controller;

    @BeforeEach
    void setUp() {
        scheduler = Executors.newScheduledThreadPool(2);
        quorum = SingleVoterQuorum.start(tmp.resolve("raft"));
        controller = new QuorumController(quorum, Clock.systemUTC(), scheduler, 60_000, 2_000, 8, 2, ListenerProbe.NONE);
    }

    @AfterEach
    void tearDown() {
        controller.close();
        quorum.close();
        scheduler.shutdownNow();
    }

    private long registerLive(int id) {
        long epoch = controller.registerBroker(id, "inc-" + id, "127.0.0.1", 9000 + id, "").join();
        controller.heartbeat(id, epoch, quorum.image().offset(), false).join();
        return epoch;
    }

    private static ErrorCode refusal(CompletableFuture<?> call) {
        CompletionException e = assertThrows(CompletionException.class, call::join);
        return ((ControllerException) e.getCause()).code();
    }

    @Test
    void limitsOfTheNode_refuseTopicsNamingTheSetting() {
        registerLive(1);
        CompletionException tooMany = assertThrows(CompletionException.class,
            () -> controller.createTopic("wide", 9, 1, Map.of()).join());
        assertTrue(tooMany.getCause().getMessage().contains("over the limit of 8 (max.partitions.per.topic)"),
            tooMany.getCause().getMessage());
        CompletionException defaulted = assertThrows(CompletionException.class,
            () -> controller.createTopic("rf", 1, 0, Map.of()).join());
        assertEquals(ErrorCode.INVALID_REPLICATION_FACTOR, ((ControllerException) defaulted.getCause()).code());
        assertTrue(defaulted.getCause().getMessage().contains("the default 2 (default.replication.factor)"),
            defaulted.getCause().getMessage());

        registerLive(2);
        controller.createTopic("rf", 1, 0, Map.of()).join();
        assertEquals(2, quorum.image().topics().get("rf").partitions().get(0).replicas().size(), "the default applied");
        assertEquals(ErrorCode.INVALID_PARTITIONS, refusal(controller.increasePartitions("rf", 9)));
        controller.increasePartitions("rf", 8).join();
        assertEquals(8, quorum.image().topics().get("rf").partitions().size());
        assertThrows(IllegalArgumentException.class,
            () -> new QuorumController(quorum, Clock.systemUTC(), scheduler, 60_000, 2_000, 0, 1, ListenerProbe.NONE));
    }

    @Test
    void producerIdBlocks_followEachOther_andAStaleBrokerGetsNone() {
        long epoch = registerLive(1);
        long first = controller.allocateProducerIds(1, epoch).join();
        long second = controller.allocateProducerIds(1, epoch).join();
        assertEquals(first + QuorumController.PRODUCER_ID_BLOCK, second);
        assertFalse(quorum.image().producerIdKey().isEmpty(), "the cluster's producer-id key came with the registration");
        assertEquals(ErrorCode.STALE_BROKER_EPOCH, refusal(controller.allocateProducerIds(1, epoch + 1)));
    }

    @Test
    void aReassignmentStarts_andCancelling_putsTheReplicasBack() {
        registerLive(1);
        registerLive(2);
        controller.createTopic("moved", 1, 1, Map.of()).join();
        int from = quorum.image().topics().get("moved").partitions().get(0).replicas().get(0);
        int to = from == 1 ? 2 : 1;
        controller.reassignPartition("moved", 0, List.of(to), 0).join();
        assertTrue(quorum.image().topics().get("moved").partitions().get(0).replicas().contains(to), "the new replica is added");
        controller.cancelReassignment("moved", 0).join();
        assertEquals(List.of(from), quorum.image().topics().get("moved").partitions().get(0).replicas());
    }
}
