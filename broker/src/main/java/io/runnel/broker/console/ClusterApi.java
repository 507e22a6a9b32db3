package io.runnel.broker.console;

import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.runnel.broker.metadata.ControllerClient;
import io.runnel.metadata.image.BrokerInfo;
import io.runnel.metadata.image.MetadataImage;
import io.runnel.metadata.image.PartitionInfo;
import io.runnel.metadata.image.TopicInfo;
import io.runnel.proto.v1.AdminGrpc;
import io.runnel.proto.v1.BrokerGrpc;
import io.runnel.proto.v1.CreateTopicsRequest;
import io.runnel.proto.v1.DeleteTopicsRequest;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.FetchPartition;
import io.runnel.proto.v1.FetchPartitionResponse;
import io.runnel.proto.v1.FetchRequest;
import io.runnel.proto.v1.FetchTopic;
import io.runnel.proto.v1.GroupGrpc;
import io.runnel.proto.v1.ListOffsetsPartition;
import io.runnel.proto.v1.ListOffsetsPartitionResponse;
import io.runnel.proto.v1.ListOffsetsRequest;
import io.runnel.proto.v1.ListOffsetsTopic;
import io.runnel.proto.v1.Record;
import io.runnel.proto.v1.TopicResult;
import io.runnel.proto.v1.TopicSpec;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The console's way into the cluster: the node's own metadata image, and the Broker, Admin and
 * Group gRPC APIs called on brokers' client listeners exactly as a client calls them (with the
 * node's own credentials). Channels are made on first use and closed by {@link #close}.
 *
 * <p>Thread-safe: handlers call it from the HTTP server's threads.
 */
final class ClusterApi implements AutoCloseable {
    static final long EARLIEST = -2;
    static final long LATEST = -1;
    private static final long DEADLINE_S = 5;
    /** Fetch answers for the browser are capped at 1 MiB; the channel accepts a little more. */
    private static final int MAX_FETCH_BYTES = 1 << 20;

    private final ControllerClient controller;
    private final ChannelCredentials credentials;
    private final int selfId;
    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();

    ClusterApi(ControllerClient controller, ChannelCredentials credentials, int selfId) {
        this.controller = controller;
        this.credentials = credentials;
        this.selfId = selfId;
    }

    MetadataImage image() {
        return controller.image();
    }

    /** The active controller's id as this node last heard it, or -1. */
    int controllerId() {
        return controller.controllerId();
    }

    int selfId() {
        return selfId;
    }

    /** The topic from the image, or a 404 naming it. */
    TopicInfo topic(String name) {
        TopicInfo t = image().topics().get(name);
        if (t == null) {
            throw ConsoleError.notFound("topic '" + name + "' does not exist");
        }
        return t;
    }

    /**
     * One ListOffsets per leader for every partition of {@code topic} at {@code timestamp}
     * ({@link #EARLIEST}, {@link #LATEST} or ms since the epoch): partition to offset, or to -1
     * where its leader is missing or did not answer (a page shows what it can rather than nothing).
     */
    Map<Integer, Long> offsets(TopicInfo topic, long timestamp) {
        Map<Integer, List<Integer>> byLeader = new TreeMap<>();
        Map<Integer, Long> out = new TreeMap<>();
        for (PartitionInfo p : topic.partitions().values()) {
            out.put(p.partition(), -1L);
            if (p.leader() >= 0) {
                byLeader.computeIfAbsent(p.leader(), l -> new ArrayList<>()).add(p.partition());
            }
        }
        byLeader.forEach((leader, partitions) -> {
            ListOffsetsTopic.Builder t = ListOffsetsTopic.newBuilder().setTopic(topic.name());
            partitions.forEach(p -> t.addPartitions(ListOffsetsPartition.newBuilder().setPartition(p).setTimestamp(timestamp)));
            try {
                broker(leader).listOffsets(ListOffsetsRequest.newBuilder().addTopics(t).build()).getTopicsList()
                    .forEach(tr -> tr.getPartitionsList().stream().filter(pr -> pr.getError() == ErrorCode.NONE)
                        .forEach(pr -> out.put(pr.getPartition(), pr.getOffset())));
            } catch (StatusRuntimeException | ConsoleError e) {
                // that leader is unreachable: its partitions stay -1 ("unknown" on the page)
            }
        });
        return out;
    }

    /** The first offset of {@code partition} at or after {@code timestampMs}, or -1 if no record is that recent. */
    long offsetForTime(String topic, int partition, long timestampMs) {
        ListOffsetsPartitionResponse r = broker(leader(topic, partition)).listOffsets(ListOffsetsRequest.newBuilder()
                .addTopics(ListOffsetsTopic.newBuilder().setTopic(topic).addPartitions(ListOffsetsPartition.newBuilder()
                    .setPartition(partition).setTimestamp(timestampMs))).build())
            .getTopics(0).getPartitions(0);
        if (r.getError() != ErrorCode.NONE) {
            throw ConsoleError.unavailable("ListOffsets for " + topic + "-" + partition + ": " + r.getError() + " "
                + r.getErrorMessage());
        }
        return r.getOffset();
    }

    /** Fetched records of one partition from {@code offset} (records as messages), at most {@code max}. */
    FetchedRecords fetch(String topic, int partition, long offset, int max) {
        FetchRequest request = FetchRequest.newBuilder().setMaxWaitMs(0).setMinBytes(0).setMaxBytes(MAX_FETCH_BYTES)
            .setRecordsAsMessages(true).addTopics(FetchTopic.newBuilder().setTopic(topic)
                .addPartitions(FetchPartition.newBuilder().setPartition(partition).setFetchOffset(offset)
                    .setCurrentLeaderEpoch(-1))).build();
        FetchPartitionResponse r = broker(leader(topic, partition)).fetch(request).getTopics(0).getPartitions(0);
        if (r.getError() == ErrorCode.OFFSET_OUT_OF_RANGE) {
            throw ConsoleError.badRequest("offset " + offset + " is out of range for " + topic + "-" + partition
                + ": the log holds offsets " + r.getLogStartOffset() + " to " + (r.getHighWatermark() - 1));
        }
        if (r.getError() != ErrorCode.NONE) {
            throw ConsoleError.unavailable("Fetch of " + topic + "-" + partition + ": " + r.getError() + " " + r.getErrorMessage());
        }
        List<Record> records = r.getRecords().getRecordsList().stream().filter(rec -> rec.getOffset() >= offset)
            .limit(max).toList();
        return new FetchedRecords(records, r.getLogStartOffset(), r.getHighWatermark());
    }

    /** @param records in offset order; @param logStart and @param highWatermark as the leader answered */
    record FetchedRecords(List<Record> records, long logStart, long highWatermark) {
    }

    /** Creates a topic through the Admin API; the controller's refusal becomes a 400 with its message. */
    void createTopic(String name, int partitions, int replicationFactor) {
        TopicResult r = admin().createTopics(CreateTopicsRequest.newBuilder().addTopics(TopicSpec.newBuilder().setName(name)
            .setPartitions(partitions).setReplicationFactor(replicationFactor)).build()).getResults(0);
        check("create topic '" + name + "'", r);
    }

    void deleteTopic(String name) {
        check("delete topic '" + name + "'", admin().deleteTopics(DeleteTopicsRequest.newBuilder().addNames(name).build())
            .getResults(0));
    }

    private static void check(String what, TopicResult r) {
        if (r.getError() != ErrorCode.NONE) {
            throw ConsoleError.badRequest(what + " failed: " + r.getError() + (r.getErrorMessage().isEmpty() ? ""
                : " (" + r.getErrorMessage() + ")"));
        }
    }

    private int leader(String topic, int partition) {
        PartitionInfo p = topic(topic).partitions().get(partition);
        if (p == null) {
            throw ConsoleError.notFound("topic '" + topic + "' has no partition " + partition);
        }
        if (p.leader() < 0) {
            throw ConsoleError.unavailable(topic + "-" + partition + " has no leader (offline)");
        }
        return p.leader();
    }

    private AdminGrpc.AdminBlockingStub admin() {
        return AdminGrpc.newBlockingStub(channel(anyLiveBroker())).withDeadlineAfter(DEADLINE_S * 2, TimeUnit.SECONDS);
    }

    BrokerGrpc.BrokerBlockingStub broker(int id) {
        return BrokerGrpc.newBlockingStub(channel(id)).withDeadlineAfter(DEADLINE_S, TimeUnit.SECONDS);
    }

    GroupGrpc.GroupBlockingStub group(int id) {
        return GroupGrpc.newBlockingStub(channel(id)).withDeadlineAfter(DEADLINE_S, TimeUnit.SECONDS);
    }

    /** Unfenced brokers by id. */
    Collection<BrokerInfo> liveBrokers() {
        return image().liveBrokers();
    }

    /** This broker when it is live, else the first live one. */
    int anyLiveBroker() {
        List<BrokerInfo> live = image().liveBrokers();
        return live.stream().filter(b -> b.id() == selfId).findFirst().or(() -> live.stream().findFirst())
            .orElseThrow(() -> ConsoleError.unavailable("no live broker in this node's metadata")).id();
    }

    private ManagedChannel channel(int brokerId) {
        BrokerInfo b = image().brokers().get(brokerId);
        if (b == null) {
            throw ConsoleError.unavailable("broker " + brokerId + " is not registered");
        }
        return channels.computeIfAbsent(b.host() + ":" + b.port(), k -> NettyChannelBuilder.forAddress(b.host(), b.port(),
            credentials).maxInboundMessageSize(MAX_FETCH_BYTES * 4).build());
    }

    @Override
    public void close() {
        channels.values().forEach(ManagedChannel::shutdownNow);
        channels.clear();
    }
}
