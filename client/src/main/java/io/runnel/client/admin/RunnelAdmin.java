package io.runnel.client.admin;

import io.runnel.client.common.Bootstrap;
import io.runnel.proto.v1.AdminGrpc;
import io.runnel.proto.v1.AlterConfigsRequest;
import io.runnel.proto.v1.BrokerGrpc;
import io.runnel.proto.v1.CreatePartitionsRequest;
import io.runnel.proto.v1.CreateTopicsRequest;
import io.runnel.proto.v1.DeleteTopicsRequest;
import io.runnel.proto.v1.DescribeClusterRequest;
import io.runnel.proto.v1.DescribeClusterResponse;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.ListOffsetsPartition;
import io.runnel.proto.v1.ListOffsetsPartitionResponse;
import io.runnel.proto.v1.ListOffsetsRequest;
import io.runnel.proto.v1.ListOffsetsTopic;
import io.runnel.proto.v1.MetadataResponse;
import io.runnel.proto.v1.PartitionMetadata;
import io.runnel.proto.v1.TopicMetadata;
import io.runnel.proto.v1.TopicResult;
import io.runnel.proto.v1.TopicSpec;
import java.io.Closeable;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Topics, cluster and offsets, through any broker (admin calls are forwarded to the active
 * controller). Failures the cluster reports throw {@link AdminException} with the wire error code.
 */
public final class RunnelAdmin implements Closeable {
    /** Timestamps for {@link #offsets}: the earliest offset and the latest (high watermark). */
    public static final long EARLIEST = -2;
    public static final long LATEST = -1;

    private final Bootstrap bootstrap;

    public RunnelAdmin(String bootstrapServers) {
        this.bootstrap = new Bootstrap(bootstrapServers);
    }

    private AdminGrpc.AdminBlockingStub admin() {
        return AdminGrpc.newBlockingStub(bootstrap.anyChannel()).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    private static void check(TopicResult r) {
        if (r.getError() != ErrorCode.NONE) {
            throw new AdminException(r.getError(), r.getName() + ": " + r.getErrorMessage());
        }
    }

    /** @throws AdminException e.g. TOPIC_ALREADY_EXISTS, INVALID_TOPIC, INVALID_REPLICATION_FACTOR */
    public void createTopic(String name, int partitions, int replicationFactor, Map<String, String> configs) {
        check(admin().createTopics(CreateTopicsRequest.newBuilder().addTopics(TopicSpec.newBuilder().setName(name)
            .setPartitions(partitions).setReplicationFactor(replicationFactor).putAllConfigs(configs)).build()).getResults(0));
    }

    public void deleteTopic(String name) {
        check(admin().deleteTopics(DeleteTopicsRequest.newBuilder().addNames(name).build()).getResults(0));
    }

    public void createPartitions(String name, int count) {
        check(admin().createPartitions(CreatePartitionsRequest.newBuilder().setTopic(name).setCount(count).build()).getResult());
    }

    public void alterConfigs(String name, Map<String, String> configs) {
        check(admin().alterConfigs(AlterConfigsRequest.newBuilder().setTopic(name).putAllConfigs(configs).build()).getResult());
    }

    /** Brokers (fenced or not), topics with configs and partitions, as the controller sees them. */
    public DescribeClusterResponse describeCluster() {
        return admin().describeCluster(DescribeClusterRequest.getDefaultInstance());
    }

    /** Topic names, sorted. */
    public List<String> listTopics() {
        return bootstrap.metadata(List.of()).getTopicsList().stream().map(TopicMetadata::getName).sorted().toList();
    }

    /** @throws AdminException UNKNOWN_TOPIC_OR_PARTITION for a topic that does not exist */
    public TopicMetadata describeTopic(String name) {
        TopicMetadata t = bootstrap.metadata(List.of(name)).getTopics(0);
        if (t.getError() != ErrorCode.NONE) {
            throw new AdminException(t.getError(), "topic '" + name + "' does not exist");
        }
        return t;
    }

    /**
     * Per partition: the earliest offset ({@link #EARLIEST}), the latest ({@link #LATEST}), or the first
     * offset at or after a timestamp (-1 when no record is that recent).
     */
    public Map<Integer, Long> offsets(String topic, long timestamp) {
        MetadataResponse md = bootstrap.metadata(List.of(topic));
        TopicMetadata t = md.getTopics(0);
        if (t.getError() != ErrorCode.NONE) {
            throw new AdminException(t.getError(), "topic '" + topic + "' does not exist");
        }
        Map<Integer, Long> out = new TreeMap<>();
        for (PartitionMetadata p : t.getPartitionsList()) {
            var leader = md.getBrokersList().stream().filter(b -> b.getId() == p.getLeaderId()).findFirst()
                .orElseThrow(() -> new AdminException(ErrorCode.LEADER_NOT_AVAILABLE, topic + "-" + p.getPartition() + " has no leader"));
            ListOffsetsPartitionResponse r = BrokerGrpc.newBlockingStub(bootstrap.channel(leader))
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .listOffsets(ListOffsetsRequest.newBuilder().addTopics(ListOffsetsTopic.newBuilder().setTopic(topic)
                    .addPartitions(ListOffsetsPartition.newBuilder().setPartition(p.getPartition()).setTimestamp(timestamp))).build())
                .getTopics(0).getPartitions(0);
            if (r.getError() != ErrorCode.NONE) {
                throw new AdminException(r.getError(), topic + "-" + p.getPartition());
            }
            out.put(p.getPartition(), r.getOffset());
        }
        return out;
    }

    public String bootstrapServers() {
        return bootstrap.describe();
    }

    @Override
    public void close() {
        bootstrap.close();
    }

    /** The cluster refused an admin call. */
    public static final class AdminException extends RuntimeException {
        private final ErrorCode code;

        public AdminException(ErrorCode code, String message) {
            super(code + ": " + message);
            this.code = code;
        }

        public ErrorCode code() {
            return code;
        }
    }

}
