package io.runnel.client.admin;

import io.runnel.client.common.Bootstrap;
import io.runnel.client.common.TopicPartition;
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
 * controller), and consumer groups, through each group's coordinator. Failures the cluster reports
 * throw {@link AdminException} with the wire error code; bad arguments throw
 * {@link IllegalArgumentException} naming them.
 */
public final class RunnelAdmin implements Closeable {
    /** Timestamps for {@link #offsets}: the earliest offset and the latest (high watermark). */
    public static final long EARLIEST = -2;
    public static final long LATEST = -1;

    private final Bootstrap bootstrap;
    private final GroupAdmin groups;

    public RunnelAdmin(String bootstrapServers) {
        this.bootstrap = new Bootstrap(bootstrapServers);
        this.groups = new GroupAdmin(bootstrap);
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

    /**
     * Every consumer group in the cluster, sorted by id: each broker lists the groups it
     * coordinates.
     *
     * @throws AdminException COORDINATOR_NOT_AVAILABLE naming a broker that did not answer (a list
     *     without its groups would look complete)
     */
    public List<GroupListing> listGroups() {
        return groups.listGroups();
    }

    /**
     * A group's members and, per partition it has committed or assigned, the committed offset, the
     * log end offset and the lag. Waits up to 15 s for a coordinator (one is elected when the
     * offsets topic is first used, or after its leader fails).
     *
     * @throws IllegalArgumentException for an empty group id
     * @throws AdminException GROUP_ID_NOT_FOUND for a group the coordinator does not know;
     *     COORDINATOR_NOT_AVAILABLE if no coordinator answered in time
     */
    public GroupDescription describeGroup(String groupId) {
        return groups.describeGroup(groupId);
    }

    /**
     * Moves a group's committed offsets for every partition of {@code topic} to where {@code spec}
     * says, or only computes where they would go ({@code execute} false, a dry run). The group
     * must have no members when executing: a running consumer would overwrite the new offsets
     * with its next commit, so the coordinator refuses.
     *
     * @return the target offset per partition, in partition order
     * @throws IllegalArgumentException for an empty group id or topic, a topic that does not exist,
     *     or a null spec ({@link ResetSpec}'s factories refuse negative offsets and timestamps)
     * @throws AdminException NON_EMPTY_GROUP if the group has members; LEADER_NOT_AVAILABLE if a
     *     partition's offsets cannot be read
     */
    public Map<TopicPartition, Long> resetOffsets(String groupId, String topic, ResetSpec spec, boolean execute) {
        return groups.resetOffsets(groupId, topic, spec, execute);
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
