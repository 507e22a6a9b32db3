package io.runnel.client.admin;

import io.runnel.client.common.Bootstrap;
import io.runnel.security.TlsFiles;
import io.runnel.client.common.RetriableErrors;
import io.runnel.client.common.TopicPartition;
import io.runnel.proto.v1.AclEntry;
import io.runnel.proto.v1.AddVoterRequest;
import io.runnel.proto.v1.AddVoterResponse;
import io.runnel.proto.v1.AdminGrpc;
import io.runnel.proto.v1.AlterConfigsRequest;
import io.runnel.proto.v1.BrokerGrpc;
import io.runnel.proto.v1.CreateAclsRequest;
import io.runnel.proto.v1.CreateAclsResponse;
import io.runnel.proto.v1.CreatePartitionsRequest;
import io.runnel.proto.v1.CreateTopicsRequest;
import io.runnel.proto.v1.DeleteRecordsPartition;
import io.runnel.proto.v1.DeleteRecordsRequest;
import io.runnel.proto.v1.DeleteRecordsResult;
import io.runnel.proto.v1.DeleteAclsRequest;
import io.runnel.proto.v1.DeleteAclsResponse;
import io.runnel.proto.v1.DeleteTopicsRequest;
import io.runnel.proto.v1.DescribeAclsRequest;
import io.runnel.proto.v1.DescribeAclsResponse;
import io.runnel.proto.v1.DescribeClusterRequest;
import io.runnel.proto.v1.DescribeClusterResponse;
import io.runnel.proto.v1.DescribeQuorumRequest;
import io.runnel.proto.v1.DescribeQuorumResponse;
import io.runnel.proto.v1.ElectPreferredLeadersRequest;
import io.runnel.proto.v1.ElectPreferredLeadersResponse;
import io.runnel.proto.v1.Endpoint;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.ListOffsetsPartition;
import io.runnel.proto.v1.ListOffsetsPartitionResponse;
import io.runnel.proto.v1.ListOffsetsRequest;
import io.runnel.proto.v1.ListOffsetsTopic;
import io.runnel.proto.v1.MetadataResponse;
import io.runnel.proto.v1.PartitionMetadata;
import io.runnel.proto.v1.ReassignPartitionRequest;
import io.runnel.proto.v1.ReassignPartitionResponse;
import io.runnel.proto.v1.RemoveVoterRequest;
import io.runnel.proto.v1.RemoveVoterResponse;
import io.runnel.proto.v1.TopicMetadata;
import io.runnel.proto.v1.TopicResult;
import io.runnel.proto.v1.TopicSpec;
import java.io.Closeable;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

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
    private static final long FIRST_BACKOFF_MS = 50;
    private static final long MAX_BACKOFF_MS = 1_000;

    private final Bootstrap bootstrap;
    private final GroupAdmin groups;
    private final Duration retryTimeout;

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
        this.retryTimeout = retryTimeout;
    }

    private AdminGrpc.AdminBlockingStub admin() {
        return AdminGrpc.newBlockingStub(bootstrap.anyChannel()).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    /**
     * Throws a refused topic call's error: to be retried if {@link RetriableErrors} lists it,
     * except UNKNOWN_TOPIC_OR_PARTITION, which from the controller is the answer about the topic
     * named (retrying it would make every call on a missing topic wait out the whole timeout).
     */
    private static void check(TopicResult r) {
        if (r.getError() == ErrorCode.NONE) {
            return;
        }
        AdminException refused = new AdminException(r.getError(), r.getName() + ": " + r.getErrorMessage());
        if (r.getError() != ErrorCode.UNKNOWN_TOPIC_OR_PARTITION && RetriableErrors.isRetriable(r.getError())) {
            throw new RetriableAnswer(refused);
        }
        throw refused;
    }

    /**
     * Runs {@code call} until it returns, repeating it after a backoff (doubling from
     * {@value #FIRST_BACKOFF_MS} ms to {@value #MAX_BACKOFF_MS} ms) while it fails retriably: a
     * {@link RetriableAnswer}, a retriable gRPC status, or no bootstrap server answering. Past the
     * retry timeout the last failure is thrown: the answer as an {@link AdminException} saying how
     * long it was retried, or the transport failure itself (which names its status; no broker
     * answering stays a {@link Bootstrap.ClusterUnreachableException}).
     */
    private <T> T retrying(Supplier<T> call) {
        long deadline = System.nanoTime() + retryTimeout.toNanos();
        long backoffMs = FIRST_BACKOFF_MS;
        while (true) {
            RuntimeException failure;
            try {
                return call.get();
            } catch (RetriableAnswer e) {
                failure = e.answer;
            } catch (AdminException e) {
                throw e;
            } catch (RuntimeException e) {
                if (!RetriableErrors.isRetriable(e)) {
                    throw e;
                }
                failure = e;
            }
            if (System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoffMs) >= deadline) {
                if (failure instanceof AdminException e) {
                    throw new AdminException(e.code(), "still failing after retrying for " + retryTimeout.toMillis()
                        + " ms; last: " + e.getMessage(), e);
                }
                throw failure;
            }
            try {
                TimeUnit.MILLISECONDS.sleep(backoffMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw failure;
            }
            backoffMs = Math.min(MAX_BACKOFF_MS, backoffMs * 2);
        }
    }

    private void retrying(Runnable call) {
        retrying(() -> {
            call.run();
            return null;
        });
    }

    /**
     * @param replicationFactor replicas per partition, or {@link #CLUSTER_DEFAULT_REPLICATION} for the
     *                          controller's {@code default.replication.factor}
     * @throws AdminException e.g. TOPIC_ALREADY_EXISTS, INVALID_TOPIC, INVALID_REPLICATION_FACTOR
     */
    public void createTopic(String name, int partitions, int replicationFactor, Map<String, String> configs) {
        CreateTopicsRequest request = CreateTopicsRequest.newBuilder().addTopics(TopicSpec.newBuilder().setName(name)
            .setPartitions(partitions).setReplicationFactor(replicationFactor).putAllConfigs(configs)).build();
        retrying(() -> check(admin().createTopics(request).getResults(0)));
    }

    public void deleteTopic(String name) {
        DeleteTopicsRequest request = DeleteTopicsRequest.newBuilder().addNames(name).build();
        retrying(() -> check(admin().deleteTopics(request).getResults(0)));
    }

    public void createPartitions(String name, int count) {
        CreatePartitionsRequest request = CreatePartitionsRequest.newBuilder().setTopic(name).setCount(count).build();
        retrying(() -> check(admin().createPartitions(request).getResult()));
    }

    public void alterConfigs(String name, Map<String, String> configs) {
        AlterConfigsRequest request = AlterConfigsRequest.newBuilder().setTopic(name).putAllConfigs(configs).build();
        retrying(() -> check(admin().alterConfigs(request).getResult()));
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
        return retrying(() -> {
            ElectPreferredLeadersResponse r = admin().electPreferredLeaders(request);
            if (r.getError() != ErrorCode.NONE) {
                AdminException refused = new AdminException(r.getError(), "preferred-leader election: " + r.getErrorMessage());
                throw RetriableErrors.isRetriable(r.getError()) ? new RetriableAnswer(refused) : refused;
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
     * Cancels a partition's move: back to its original replicas, the added ones out of the ISR
     * and their copies dropped. Acknowledged records stay readable.
     *
     * @throws AdminException INVALID_REQUEST if the partition is not being moved
     */
    public void cancelReassignment(String topic, int partition) {
        reassign(Reassignment.cancel(topic, partition));
    }

    private void reassign(ReassignPartitionRequest request) {
        retrying(() -> {
            ReassignPartitionResponse r = admin().reassignPartition(request);
            if (r.getError() != ErrorCode.NONE) {
                AdminException refused = new AdminException(r.getError(), request.getTopic() + "-" + request.getPartition()
                    + ": " + r.getErrorMessage());
                throw r.getError() != ErrorCode.UNKNOWN_TOPIC_OR_PARTITION && RetriableErrors.isRetriable(r.getError())
                    ? new RetriableAnswer(refused) : refused;
            }
        });
    }

    /** The partition moves under way, as the active controller sees them ({@link Reassignment}). */
    public List<Reassignment> listReassignments() {
        return Reassignment.of(describeCluster().getImage());
    }

    // ---------------------------------------------------------------- ACLs (acl.proto)

    /**
     * Adds ACL bindings, all or none (each field set; adding one that exists is not an error).
     *
     * @throws AdminException INVALID_REQUEST naming the bad binding and field; CLUSTER_AUTHORIZATION_FAILED
     *                        without ALTER on the cluster
     */
    public void createAcls(List<AclEntry> acls) {
        CreateAclsRequest request = CreateAclsRequest.newBuilder().addAllAcls(acls).build();
        retrying(() -> {
            CreateAclsResponse r = admin().createAcls(request);
            checkAnswer(r.getError(), r.getErrorMessage());
            return r;
        });
    }

    /**
     * Removes every binding any filter matches (unset fields match anything).
     *
     * @return the bindings removed
     * @throws AdminException CLUSTER_AUTHORIZATION_FAILED without ALTER on the cluster
     */
    public List<AclEntry> deleteAcls(List<AclEntry> filters) {
        DeleteAclsRequest request = DeleteAclsRequest.newBuilder().addAllFilters(filters).build();
        return retrying(() -> {
            DeleteAclsResponse r = admin().deleteAcls(request);
            checkAnswer(r.getError(), r.getErrorMessage());
            return r.getDeletedList();
        });
    }

    /**
     * The bindings {@code filter} matches (unset fields match anything), as the active controller has them.
     *
     * @throws AdminException CLUSTER_AUTHORIZATION_FAILED without DESCRIBE on the cluster
     */
    public List<AclEntry> describeAcls(AclEntry filter) {
        DescribeAclsRequest request = DescribeAclsRequest.newBuilder().setFilter(filter).build();
        return retrying(() -> {
            DescribeAclsResponse r = admin().describeAcls(request);
            checkAnswer(r.getError(), r.getErrorMessage());
            return r.getAclsList();
        });
    }

    private static void checkAnswer(ErrorCode error, String message) {
        if (error == ErrorCode.NONE) {
            return;
        }
        AdminException refused = new AdminException(error, message);
        if (RetriableErrors.isRetriable(error)) {
            throw new RetriableAnswer(refused);
        }
        throw refused;
    }

    // ---------------------------------------------------------------- controller quorum (docs/operations.md)

    /**
     * Adds a controller started with {@code quorum.join=true} as a voter; returns once the new
     * configuration has committed (the new voter has caught up first).
     *
     * @param raftHost the new voter's host as the other voters reach it
     * @param raftPort its Raft port: its controller port + 1
     * @return the voters afterwards
     * @throws AdminException INVALID_REQUEST naming why (already a voter, a change in progress, refused);
     *                        CLUSTER_AUTHORIZATION_FAILED without ALTER on the cluster
     */
    public List<Integer> addVoter(int nodeId, String raftHost, int raftPort) {
        AddVoterRequest request = AddVoterRequest.newBuilder().setNodeId(nodeId)
            .setRaftEndpoint(Endpoint.newBuilder().setHost(raftHost).setPort(raftPort)).build();
        return retrying(() -> {
            AddVoterResponse r = admin().addVoter(request);
            checkAnswer(r.getError(), "adding voter " + nodeId + ": " + r.getErrorMessage());
            return r.getVotersList();
        });
    }

    /**
     * Removes a voter; returns once the new configuration has committed. Stop the removed node
     * afterwards. Removing the active controller moves leadership to another voter first.
     *
     * @return the voters afterwards
     * @throws AdminException INVALID_REQUEST naming why (not a voter, the only voter, too few live
     *                        voters would remain for a majority, a change in progress);
     *                        CLUSTER_AUTHORIZATION_FAILED without ALTER on the cluster
     */
    public List<Integer> removeVoter(int nodeId) {
        RemoveVoterRequest request = RemoveVoterRequest.newBuilder().setNodeId(nodeId).build();
        return retrying(() -> {
            RemoveVoterResponse r = admin().removeVoter(request);
            checkAnswer(r.getError(), "removing voter " + nodeId + ": " + r.getErrorMessage());
            return r.getVotersList();
        });
    }

    /**
     * The voters, the active controller and how long since it heard from each.
     *
     * @throws AdminException CLUSTER_AUTHORIZATION_FAILED without DESCRIBE on the cluster
     */
    public QuorumDescription describeQuorum() {
        return retrying(() -> {
            DescribeQuorumResponse r = admin().describeQuorum(DescribeQuorumRequest.getDefaultInstance());
            checkAnswer(r.getError(), "describing the quorum: " + r.getErrorMessage());
            return QuorumDescription.of(r);
        });
    }

    /** Brokers (fenced or not), topics with configs and partitions, as the controller sees them. */
    public DescribeClusterResponse describeCluster() {
        return retrying(() -> admin().describeCluster(DescribeClusterRequest.getDefaultInstance()));
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
        return retrying(() -> offsetsOnce(topic, timestamp));
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
                .orElseThrow(() -> new RetriableAnswer(new AdminException(ErrorCode.LEADER_NOT_AVAILABLE,
                    topic + "-" + p.getPartition() + " has no leader")));
            ListOffsetsPartitionResponse r = BrokerGrpc.newBlockingStub(bootstrap.channel(leader))
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .listOffsets(ListOffsetsRequest.newBuilder().addTopics(ListOffsetsTopic.newBuilder().setTopic(topic)
                    .addPartitions(ListOffsetsPartition.newBuilder().setPartition(p.getPartition()).setTimestamp(timestamp))).build())
                .getTopics(0).getPartitions(0);
            if (r.getError() != ErrorCode.NONE) {
                // Metadata showed the partition, so even UNKNOWN_TOPIC_OR_PARTITION here is a leader catching up.
                AdminException refused = new AdminException(r.getError(), topic + "-" + p.getPartition());
                throw RetriableErrors.isRetriable(r.getError()) ? new RetriableAnswer(refused) : refused;
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
        return retrying(() -> {
            MetadataResponse md = bootstrap.metadata(List.of(topic));
            TopicMetadata t = md.getTopics(0);
            if (t.getError() != ErrorCode.NONE) {
                throw new AdminException(t.getError(), "topic '" + topic + "' does not exist");
            }
            PartitionMetadata p = t.getPartitionsList().stream().filter(pm -> pm.getPartition() == partition).findFirst()
                .orElseThrow(() -> new AdminException(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "topic '" + topic + "' has "
                    + t.getPartitionsCount() + " partitions, no partition " + partition));
            var leader = md.getBrokersList().stream().filter(b -> b.getId() == p.getLeaderId()).findFirst()
                .orElseThrow(() -> new RetriableAnswer(new AdminException(ErrorCode.LEADER_NOT_AVAILABLE,
                    topic + "-" + partition + " has no leader")));
            DeleteRecordsResult r = BrokerGrpc.newBlockingStub(bootstrap.channel(leader)).withDeadlineAfter(30, TimeUnit.SECONDS)
                .deleteRecords(DeleteRecordsRequest.newBuilder().addPartitions(DeleteRecordsPartition.newBuilder()
                    .setTopic(topic).setPartition(partition).setBeforeOffset(beforeOffset)).build())
                .getResults(0);
            if (r.getError() != ErrorCode.NONE) {
                AdminException refused = new AdminException(r.getError(), topic + "-" + partition + ": " + r.getErrorMessage());
                throw RetriableErrors.isRetriable(r.getError()) && r.getError() != ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
                    ? new RetriableAnswer(refused) : refused;
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

    /** A refusal worth retrying, caught by {@link #retrying}; never leaves this class. */
    private static final class RetriableAnswer extends RuntimeException {
        private final AdminException answer;

        RetriableAnswer(AdminException answer) {
            super(answer.getMessage(), null, false, false);
            this.answer = answer;
        }
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
