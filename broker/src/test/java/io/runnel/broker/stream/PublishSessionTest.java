package io.runnel.broker.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.runnel.broker.node.RecordingStream;
import io.runnel.broker.node.TestCluster;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.PartitionSequence;
import io.runnel.proto.v1.PublishAck;
import io.runnel.proto.v1.PublishMessage;
import io.runnel.proto.v1.PublishOpen;
import io.runnel.proto.v1.PublishRequest;
import io.runnel.proto.v1.PublishResponse;
import io.runnel.proto.v1.PublishResume;
import io.runnel.proto.v1.Record;
import io.runnel.proto.v1.StreamGrpc;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link PublishSession} on a real one-node cluster over real gRPC: what the stream refuses (and
 * how it says so), messages it acks with an error while the stream goes on, and messages that wait
 * for their topic. The multi-broker behaviour (forwarding, resume, leader crash) is in the client
 * module's {@code StreamApiClusterTest}.
 */
class PublishSessionTest {
    @TempDir
    static Path tmp;
    private static TestCluster cluster;
    private static ManagedChannel channel;

    @BeforeAll
    static void start() throws Exception {
        cluster = TestCluster.start(tmp, 1, Map.of());
        channel = cluster.clientChannel(1);
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    /** One Publish stream: its answers and how it ended. */
    private static final class Stream extends RecordingStream<PublishResponse> {
        final StreamObserver<PublishRequest> requests = StreamGrpc.newStub(channel).publish(this);

        Stream open(PublishOpen open) {
            requests.onNext(PublishRequest.newBuilder().setOpen(open).build());
            return this;
        }

        Stream opened(PublishOpen open) {
            open(open);
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> !received.isEmpty() || ended.get() != null);
            assertTrue(received.get(0).hasOpened(), received + " " + ended.get());
            return this;
        }

        Stream send(PublishMessage message) {
            requests.onNext(PublishRequest.newBuilder().setMessage(message).build());
            return this;
        }

        Status awaitEnd() {
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> ended.get() != null);
            return ended.get();
        }

        List<PublishAck> awaitAcks(int count) {
            Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> received.stream().filter(PublishResponse::hasAck).count() >= count || ended.get() != null);
            return received.stream().filter(PublishResponse::hasAck).map(PublishResponse::getAck).toList();
        }
    }

    private static Record record(String key, String value) {
        Record.Builder r = Record.newBuilder().setValue(ByteString.copyFrom(value, StandardCharsets.UTF_8));
        if (key != null) {
            r.setKey(ByteString.copyFrom(key, StandardCharsets.UTF_8));
        }
        return r.build();
    }

    private static PublishMessage message(long sequence, String topic, Record... records) {
        return PublishMessage.newBuilder().setSequence(sequence).setTopic(topic).addAllRecords(List.of(records)).build();
    }

    private static void assertRefused(Stream stream, String why) {
        Status status = stream.awaitEnd();
        assertEquals(Status.Code.INVALID_ARGUMENT, status.getCode(), status.toString());
        assertTrue(status.getDescription().contains(why), status.getDescription());
    }

    @Test
    void misuseOfTheProtocol_endsTheStream_namingWhatWasWrong() {
        assertRefused(new Stream().send(message(0, "t", record(null, "v"))), "send `open` first");
        Stream twice = new Stream().opened(PublishOpen.getDefaultInstance());
        assertRefused(twice.open(PublishOpen.getDefaultInstance()), "`open` was already sent");
        assertRefused(new Stream().open(PublishOpen.newBuilder().setDeliveryTimeoutMs(-1).build()),
            "delivery_timeout_ms must be >= 0, got -1");
        assertRefused(new Stream().open(PublishOpen.newBuilder().setResume(PublishResume.newBuilder()
            .setProducerId(7).setProducerEpoch(40_000)).build()), "producer_epoch (0-32767)");
        assertRefused(new Stream().open(PublishOpen.newBuilder().setResume(PublishResume.newBuilder().setProducerId(7)
            .addAcknowledged(PartitionSequence.newBuilder().setPartition(0).setNextPartitionSequence(3))).build()),
            "resume.acknowledged needs a topic");
        Stream empty = new Stream();
        empty.requests.onNext(PublishRequest.getDefaultInstance());
        assertRefused(empty, "needs `open` or `message`");
    }

    @Test
    void aMessageThatCannotBeWritten_isAckedWithItsError_andTheStreamGoesOn() {
        cluster.createTopic("refusals", 1, 1, Map.of());
        Stream stream = new Stream().opened(PublishOpen.newBuilder().setDeliveryTimeoutMs(300).build());
        stream.send(message(0, "bad/name", record(null, "a")));
        stream.send(message(1, "never-created", record(null, "b")));
        stream.send(message(2, "refusals", record("k1", "c"), record("k2", "d")));
        stream.send(message(3, "refusals", record(null, "e")));

        List<PublishAck> acks = stream.awaitAcks(4);
        assertEquals(4, acks.size(), acks + " " + stream.ended.get());
        PublishAck invalid = ack(acks, 0);
        assertEquals(ErrorCode.INVALID_TOPIC, invalid.getError(), invalid.toString());
        assertEquals(-1, invalid.getPartition());
        PublishAck unknown = ack(acks, 1);
        assertEquals(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, unknown.getError(), unknown.toString());
        assertTrue(unknown.getErrorMessage().contains("waited 300 ms"), unknown.getErrorMessage());
        PublishAck mixedKeys = ack(acks, 2);
        assertEquals(ErrorCode.INVALID_REQUEST, mixedKeys.getError(), mixedKeys.toString());
        PublishAck written = ack(acks, 3);
        assertEquals(ErrorCode.NONE, written.getError(), written.toString());
        assertEquals(0, written.getOffset(), "the refused messages wrote nothing");
        assertEquals(1, written.getNextPartitionSequence());
        assertNull(stream.ended.get(), "the stream is still open");
        stream.requests.onCompleted();
        assertEquals(Status.Code.OK, stream.awaitEnd().getCode());
    }

    @Test
    void messagesForATopicNotCreatedYet_waitForIt_andAreWrittenInOrder() {
        Stream stream = new Stream().opened(PublishOpen.getDefaultInstance());
        for (int i = 0; i < 3; i++) {
            stream.send(message(i, "later", record(null, "m" + i)).toBuilder().setPartition(0).build());
        }
        cluster.createTopic("later", 1, 1, Map.of());

        List<PublishAck> acks = stream.awaitAcks(3);
        assertEquals(List.of(0L, 1L, 2L), acks.stream().map(PublishAck::getSequence).toList(), "acked in the order sent");
        assertEquals(List.of(0L, 1L, 2L), acks.stream().map(PublishAck::getOffset).toList(), acks.toString());
        assertEquals(List.of(1, 2, 3), acks.stream().map(PublishAck::getNextPartitionSequence).toList());
    }

    private static PublishAck ack(List<PublishAck> acks, long sequence) {
        return acks.stream().filter(a -> a.getSequence() == sequence).findFirst().orElseThrow();
    }
}
