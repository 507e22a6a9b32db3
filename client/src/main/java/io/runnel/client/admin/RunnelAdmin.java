package io.runnel.client.admin;

import io.runnel.client.common.Bootstrap;
import io.runnel.security.TlsFiles;
import io.runnel.client.common.RetriableErrors;
import io.runnel.client.common.TopicPartition;
import io.runnel.proto.v1.AclEntry;
import io.runnel.proto.v1.AlterConfigsRequest;
import io.runnel.proto.v1.BrokerGrpc;
import io.runnel.proto.v1.CreatePartitionsRequest;
import io.runnel.proto.v1.CreateTopicsRequest;
import io.runnel.proto.v1.DeleteRecordsPartition;
import io.runnel.proto.v1.DeleteRecordsRequest;
import io.runnel.proto.v1.DeleteRecordsResult;
import io.runnel.proto.v1.DeleteTopicsRequest;
import io.runnel.proto.v1.DescribeClusterRequest;
import io.runnel.proto.v1.DescribeClusterResponse;
import io.runnel.proto.v1.ElectPreferredLeadersRequest;
import io.runnel.proto.v1.ElectPreferredLeadersResponse;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.ListOffsetsPartition;
import io.runnel.proto.v1.ListOffsetsPartitionResponse;
import io.runnel.proto.v1.ListOffsetsRequest;
import io.runnel.proto.v1.ListOffsetsTopic;
import io.runnel.proto.v1.MetadataResponse;
import io.runnel.proto.v1.PartitionMetadata;
import io.runnel.proto.v1.ReassignPartitionRequest;
import io.runnel.proto.v1.ReassignPartitionResponse;
import io.runnel.proto.v1.TopicMetadata;
import io.runnel.proto.v1.TopicSpec;
import java.io.Closeable;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Topics, cluster and offsets, through any broker (admin calls are forwarded to the active
 * controller), and consumer groups, through each group's coordinator. Failures the cluster reports
 * throw {@link AdminException} with the wire error code; bad arguments throw
 * {@link IllegalArgumentException} naming them.
 *
 * <p>Topic calls and {@link #offsets} retry what a moving cluster answers for a while (no active
 * controller yet, a leader moving, the broker asked being down or restarting: the codes and
 * statuses {@link RetriableErrors} lists) with a growing backoff, through any bootstrap address,
 * for up to the retry timeout (30 s by default), then throw the last failure. A create retried
 * after an answer was lost may find the topic the first attempt created (TOPIC_ALREADY_EXISTS).
 *
 * <p>Thread-safety: safe from any thread.
 */
public final class RunnelAdmin implements Closeable {
    /** Timestamps for {@link #offsets}: the earliest offset and the latest (high watermark). */
    public static final long EARLIEST = -2;
    public static final long LATEST = -1;

    /** How long a call retries retriable failures unless the constructor says otherwise. */
    public static final Duration DEFAULT_RETRY_TIMEOUT = Duration.ofSeconds(30);

    private final Bootstrap bootstrap;
    private final GroupAdmin groups;
    private final AdminCalls calls;
    private final AclAdmin aclAdmin;
    private final QuorumAdmin quorumAdmin;

    /** A replication factor of 0 asks the controller for its {@code default.replication.factor}. */
    public static final int CLUSTER_DEFAULT_REPLICATION = 0;

    public RunnelAdmin(String bootstrapServers) {
        this(bootstrapServers, DEFAULT_RETRY_TIMEOUT, null);
    }

    /** @param tls null for plaintext, else the CA (and client certificate) to connect with */
    public RunnelAdmin(String bootstrapServers, TlsFiles tls) {
        this(bootstrapServers, DEFAULT_RETRY_TIMEOUT, tls);
    }

    /** @param retryTimeout how long topic and offset calls retry retriable failures before throwing the last one */
    public RunnelAdmin(String bootstrapServers, Duration retryTimeout) {
        this(bootstrapServers, retryTimeout, null);
    }

    /**
     * @param retryTimeout how long topic and offset calls retry retriable failures before throwing the last one
     * @param tls          null for plaintext, else the CA (and client certificate) to connect with
     */
    public RunnelAdmin(String bootstrapServers, Duration retryTimeout, TlsFiles tls) {
        if (retryTimeout.isNegative()) {
            throw new IllegalArgumentException("retry timeout must be >= 0, got " + retryTimeout);
        }
        this.bootstrap = new Bootstrap(bootstrapServers, tls);
        this.groups = new GroupAdmin(bootstrap);
        this.calls = new AdminCalls(bootstrap, retryTimeout);
        this.aclAdmin = new AclAdmin(calls);
        this.quorumAdmin = new QuorumAdmin(calls);
    }

    /**
     * @param replicationFactor replicas per partition, or {@link #CLUSTER_DEFAULT_REPLICATION} for the
     *                          controller's {@code default.replication.factor}
     * @throws AdminException e.g. TOPIC_ALREADY_EXISTS, INVALID_TOPIC, INVALID_REPLICATION_FACTOR
     */
    public void createTopic(String name, int partitions, int replicationFactor, Map<String, String> configs) {
        CreateTopicsRequest request = CreateTopicsRequest.newBuilder().addTopics(TopicSpec.newBuilder().setName(name)
            .setPartitions(partitions).setReplicationFactor(replicationFactor).putAllConfigs(configs)).build();
        calls.retrying(() -> AdminCalls.check(calls.admin().createTopics(request).getResults(0)));
    }

    public void deleteTopic(String name) {
        DeleteTopicsRequest request = DeleteTopicsRequest.newBuilder().addNames(name).build();
        calls.retrying(() -> AdminCalls.check(calls.admin().deleteTopics(request).getResults(0)));
    }

    public void createPartitions(String name, int count) {
        CreatePartitionsRequest request = CreatePartitionsRequest.newBuilder().setTopic(name).setCount(count).build();
        calls.retrying(() -> AdminCalls.check(calls.admin().createPartitions(request).getResult()));
    }

    public void alterConfigs(String name, Map<String, String> configs) {
        AlterConfigsRequest request = AlterConfigsRequest.newBuilder().setTopic(name).putAllConfigs(configs).build();
        calls.retrying(() -> AdminCalls.check(calls.admin().alterConfigs(request).getResult()));
    }

    /**
     * Moves leadership back to the preferred replica (the first of the assignment) of each
     * partition named, where that replica is in the ISR and live (Kafka's preferred election).
     *
     * @param partitions topic to partitions; an empty set for all of a topic's partitions, an empty
     *                   map for every partition of the cluster
     * @return one outcome per partition (see {@link LeaderElection}); a topic that does not exist
     *     is an UNKNOWN_TOPIC_OR_PARTITION outcome, not an exception
     * @throws IllegalArgumentException for an empty topic name or a negative partition
     */
    public List<LeaderElection> electPreferredLeaders(Map<String, Set<Integer>> partitions) {
        ElectPreferredLeadersRequest request = LeaderElection.request(partitions);
        return calls.retrying(() -> {
            ElectPreferredLeadersResponse r = calls.admin().electPreferredLeaders(request);
            if (r.getError() != ErrorCode.NONE) {
                AdminException refused = new AdminException(r.getError(), "preferred-leader election: " + r.getErrorMessage());
                throw RetriableErrors.isRetriable(r.getError()) ? new AdminCalls.RetriableAnswer(refused) : refused;
            }
            return LeaderElection.of(r);
        });
    }

    /**
     * Starts moving a partition to {@code replicas} (the first the preferred leader): they are
     * added, catch up from the leader, and once all are in the ISR the others are dropped.
     *
     * @param throttleBytesPerSec the leader's limit on what it sends the added replicas while they
     *                            are out of the ISR (the other followers are not held back); 0: none
     * @throws IllegalArgumentException for an empty topic, a negative partition or throttle, or no replicas
     * @throws AdminException INVALID_REQUEST (a broker not live, a move already under way),
     *     UNKNOWN_TOPIC_OR_PARTITION, CLUSTER_AUTHORIZATION_FAILED
     */
    public void reassignPartition(String topic, int partition, List<Integer> replicas, long throttleBytesPerSec) {
        reassign(Reassignment.start(topic, partition, replicas, throttleBytesPerSec));
    }

    /**
     * Starts several partition moves in one call, all or nothing (Kafka's kafka-reassign-partitions
     * --execute with a file of moves): the controller checks every move, each as
     * {@link #reassignPartition} would, on one image, and starts them all in one metadata batch
     * under one throttle, or none of them.
     *
     * @return the refused moves, in order, each with its reason: empty when every move started; if
     *     not empty, no move started
     * @throws IllegalArgumentException for no moves, a partition named twice, or a negative throttle
     * @throws AdminException for a failure that is not about one move (authorization, no controller
     *     within the retry timeout); no move started
     */
    public List<MoveRefusal> reassignPartitions(List<PartitionMove> moves, long throttleBytesPerSec) {
        return reassignAll(Reassignment.startAll(moves, throttleBytesPerSec));
    }

    /**
     * Cancels several partitions' moves in one call, all or nothing, each as
     * {@link #cancelReassignment} would.
     *
     * @return the refused cancels (a partition not being moved, say): empty when all were
     *     cancelled; if not empty, none was
     * @throws IllegalArgumentException for no partitions or one named twice
     */
    public List<MoveRefusal> cancelReassignments(List<TopicPartition> partitions) {
        return reassignAll(Reassignment.cancelAll(partitions));
    }

    private List<MoveRefusal> reassignAll(ReassignPartitionRequest request) {
        return calls.retrying(() -> {
            ReassignPartitionResponse r = calls.admin().reassignPartition(request);
            if (r.getRefusedCount() > 0) {
                return r.getRefusedList().stream().map(MoveRefusal::of).toList();
            }
            if (r.getError() != ErrorCode.NONE) {
                AdminException refused = new AdminException(r.getError(), "reassignment of " + request.getMovesCount()
                    + " partition(s): " + r.getErrorMessage());
                throw RetriableErrors.isRetriable(r.getError()) ? new AdminCalls.RetriableAnswer(refused) : refused;
            }
            return List.<MoveRefusal>of();
        });
    }

    /**
     * Cancels a partition's move: back to its original replicas, the added ones out of the ISR
     * and their copies dropped. Acknowledged records stay readable.
     *
     * @throws AdminException INVALID_REQUEST if the partition is not being moved
     */
    public void cancelReassignment(String topic, int partition) {
        reassign(Reassignment.cancel(topic, partition));
    }

    private void reassign(ReassignPartitionRequest request) {
        calls.retrying(() -> {
            ReassignPartitionResponse r = calls.admin().reassignPartition(request);
            if (r.getError() != ErrorCode.NONE) {
                AdminException refused = new AdminException(r.getError(), request.getTopic() + "-" + request.getPartition()
                    + ": " + r.getErrorMessage());
                throw r.getError() != ErrorCode.UNKNOWN_TOPIC_OR_PARTITION && RetriableErrors.isRetriable(r.getError())
                    ? new AdminCalls.RetriableAnswer(refused) : refused;
            }
        });
    }

    /** The partition moves under way, as the active controller sees them ({@link Reassignment}). */
    public List<Reassignment> listReassignments() {
        return Reassignment.of(describeCluster().getImage());
    }

    // ---------------------------------------------------------------- ACLs (acl.proto): AclAdmin

    /** @see AclAdmin#createAcls */
    public void createAcls(List<AclEntry> acls) {
        aclAdmin.createAcls(acls);
    }

    /** @see AclAdmin#deleteAcls */
    public List<AclEntry> deleteAcls(List<AclEntry> filters) {
        return aclAdmin.deleteAcls(filters);
    }

    /** @see AclAdmin#describeAcls */
    public List<AclEntry> describeAcls(AclEntry filter) {
        return aclAdmin.describeAcls(filter);
    }

    // ---------------------------------------------------------------- controller quorum: QuorumAdmin

    /** @see QuorumAdmin#addVoter */
    public List<Integer> addVoter(int nodeId, String raftHost, int raftPort) {
        return quorumAdmin.addVoter(nodeId, raftHost, raftPort);
    }

    /** @see QuorumAdmin#removeVoter */
    public List<Integer> removeVoter(int nodeId) {
        return quorumAdmin.removeVoter(nodeId);
    }

    /** @see QuorumAdmin#describeQuorum */
    public QuorumDescription describeQuorum() {
        return quorumAdmin.describeQuorum();
    }

    /** Brokers (fenced or not), topics with configs and partitions, as the controller sees them. */
    public DescribeClusterResponse describeCluster() {
        return calls.retrying(() -> calls.admin().describeCluster(DescribeClusterRequest.getDefaultInstance()));
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
     * offset at or after a timestamp (-1 when no record is that recent). A partition without a
     * leader, or whose leader moved, is asked again (with fresh metadata) within the retry timeout.
     *
     * @throws AdminException UNKNOWN_TOPIC_OR_PARTITION for a topic that does not exist;
     *     LEADER_NOT_AVAILABLE or NOT_LEADER if a partition's leader did not answer in time
     */
    public Map<Integer, Long> offsets(String topic, long timestamp) {
        return calls.retrying(() -> offsetsOnce(topic, timestamp));
    }

    private Map<Integer, Long> offsetsOnce(String topic, long timestamp) {
        MetadataResponse md = bootstrap.metadata(List.of(topic));
        TopicMetadata t = md.getTopics(0);
        if (t.getError() != ErrorCode.NONE) {
            throw new AdminException(t.getError(), "topic '" + topic + "' does not exist");
        }
        Map<Integer, Long> out = new TreeMap<>();
        for (PartitionMetadata p : t.getPartitionsList()) {
            var leader = md.getBrokersList().stream().filter(b -> b.getId() == p.getLeaderId()).findFirst()
                .orElseThrow(() -> new AdminCalls.RetriableAnswer(new AdminException(ErrorCode.LEADER_NOT_AVAILABLE,
                    topic + "-" + p.getPartition() + " has no leader")));
            ListOffsetsPartitionResponse r = BrokerGrpc.newBlockingStub(bootstrap.channel(leader))
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .listOffsets(ListOffsetsRequest.newBuilder().addTopics(ListOffsetsTopic.newBuilder().setTopic(topic)
                    .addPartitions(ListOffsetsPartition.newBuilder().setPartition(p.getPartition()).setTimestamp(timestamp))).build())
                .getTopics(0).getPartitions(0);
            if (r.getError() != ErrorCode.NONE) {
                // Metadata showed the partition, so even UNKNOWN_TOPIC_OR_PARTITION here is a leader catching up.
                AdminException refused = new AdminException(r.getError(), topic + "-" + p.getPartition());
                throw RetriableErrors.isRetriable(r.getError()) ? new AdminCalls.RetriableAnswer(refused) : refused;
            }
            out.put(p.getPartition(), r.getOffset());
        }
        return out;
    }

    /**
     * Deletes the records of a partition below {@code beforeOffset} (Kafka's DeleteRecords): its
     * leader moves the log start offset there, and its followers follow. A partition whose leader
     * moves meanwhile is asked again within the retry timeout.
     *
     * @param beforeOffset records below it go; -1 for the high watermark (every committed record)
     * @return the partition's log start offset afterwards
     * @throws IllegalArgumentException for a negative partition or an offset below -1
     * @throws AdminException UNKNOWN_TOPIC_OR_PARTITION; OFFSET_OUT_OF_RANGE for an offset past the
     *     high watermark
     */
    public long deleteRecords(String topic, int partition, long beforeOffset) {
        if (partition < 0) {
            throw new IllegalArgumentException("partition must be >= 0, got " + partition);
        }
        if (beforeOffset < -1) {
            throw new IllegalArgumentException("offset must be >= 0, or -1 for the high watermark, got " + beforeOffset);
        }
        return calls.retrying(() -> {
            MetadataResponse md = bootstrap.metadata(List.of(topic));
            TopicMetadata t = md.getTopics(0);
            if (t.getError() != ErrorCode.NONE) {
                throw new AdminException(t.getError(), "topic '" + topic + "' does not exist");
            }
            PartitionMetadata p = t.getPartitionsList().stream().filter(pm -> pm.getPartition() == partition).findFirst()
                .orElseThrow(() -> new AdminException(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "topic '" + topic + "' has "
                    + t.getPartitionsCount() + " partitions, no partition " + partition));
            var leader = md.getBrokersList().stream().filter(b -> b.getId() == p.getLeaderId()).findFirst()
                .orElseThrow(() -> new AdminCalls.RetriableAnswer(new AdminException(ErrorCode.LEADER_NOT_AVAILABLE,
                    topic + "-" + partition + " has no leader")));
            DeleteRecordsResult r = BrokerGrpc.newBlockingStub(bootstrap.channel(leader)).withDeadlineAfter(30, TimeUnit.SECONDS)
                .deleteRecords(DeleteRecordsRequest.newBuilder().addPartitions(DeleteRecordsPartition.newBuilder()
                    .setTopic(topic).setPartition(partition).setBeforeOffset(beforeOffset)).build())
                .getResults(0);
            if (r.getError() != ErrorCode.NONE) {
                AdminException refused = new AdminException(r.getError(), topic + "-" + partition + ": " + r.getErrorMessage());
                throw RetriableErrors.isRetriable(r.getError()) && r.getError() != ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
                    ? new AdminCalls.RetriableAnswer(refused) : refused;
            }
            return r.getLogStartOffset();
        });
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

    /**
     * Deletes a consumer group: its committed offsets and the group itself. Waits up to 15 s for a
     * coordinator.
     *
     * @throws IllegalArgumentException for an empty group id
     * @throws AdminException NON_EMPTY_GROUP while the group has members (stop them first);
     *     GROUP_ID_NOT_FOUND for a group that does not exist; COORDINATOR_NOT_AVAILABLE if no
     *     coordinator answered in time
     */
    public void deleteGroup(String groupId) {
        groups.deleteGroup(groupId);
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
            this(code, message, null);
        }

        public AdminException(ErrorCode code, String message, Throwable cause) {
            super(code + ": " + message, cause);
            this.code = code;
        }

        public ErrorCode code() {
            return code;
        }
    }

}
