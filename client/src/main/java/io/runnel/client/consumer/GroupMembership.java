package io.runnel.client.consumer;

import io.grpc.ManagedChannel;
import io.runnel.client.common.Bootstrap;
import io.runnel.client.common.TopicPartition;
import io.runnel.proto.v1.CommittedOffset;
import io.runnel.proto.v1.ConsumerGroupHeartbeatRequest;
import io.runnel.proto.v1.ConsumerGroupHeartbeatResponse;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.FindCoordinatorRequest;
import io.runnel.proto.v1.FindCoordinatorResponse;
import io.runnel.proto.v1.GroupGrpc;
import io.runnel.proto.v1.OffsetCommitPartition;
import io.runnel.proto.v1.OffsetCommitPartitionResponse;
import io.runnel.proto.v1.OffsetCommitRequest;
import io.runnel.proto.v1.OffsetCommitResponse;
import io.runnel.proto.v1.OffsetCommitTopic;
import io.runnel.proto.v1.OffsetCommitTopicResponse;
import io.runnel.proto.v1.OffsetFetchRequest;
import io.runnel.proto.v1.OffsetFetchResponse;
import io.runnel.proto.v1.TopicPartitions;
import java.io.Closeable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A consumer's membership of its group: a background thread heartbeats the coordinator with what
 * the consumer owns and keeps the latest assignment; the consumer's thread reads the difference
 * in {@link #pending}, carries it out (revoke, then assign) and reports the result in
 * {@link #owned}. Commits and offset fetches go to the coordinator too, retrying while it moves.
 *
 * <p>Thread-safety: all methods are safe from any thread.
 */
final class GroupMembership implements Closeable {
    private static final System.Logger log = System.getLogger(GroupMembership.class.getName());
    private static final Set<ErrorCode> MOVED = Set.of(ErrorCode.NOT_COORDINATOR, ErrorCode.COORDINATOR_NOT_AVAILABLE,
        ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);

    /** What the consumer must do: drop everything (lost), release some partitions, take others. */
    record Pending(boolean lost, Set<TopicPartition> revoked, Set<TopicPartition> added) {
        boolean isEmpty() {
            return !lost && revoked.isEmpty() && added.isEmpty();
        }
    }

    private final Bootstrap bootstrap;
    private final GroupConfig config;
    private final String memberId = UUID.randomUUID().toString();
    private final Thread thread;
    // Guarded by this.
    private List<String> topics = List.of();
    private String regex = "";
    private boolean subscribed;
    private int epoch;
    private Set<TopicPartition> owned = new HashSet<>();
    private Set<TopicPartition> assignment = new HashSet<>();
    /** Handed to the consumer by {@link #pending} and maybe being taken: reported as owned. */
    private Set<TopicPartition> adding = new HashSet<>();
    private boolean lost;
    private RuntimeException fatal;
    private boolean wake;
    private boolean closed;
    private int intervalMs = 1000;
    private volatile ManagedChannel coordinator;
    private volatile long lastPollNanos = System.nanoTime();

    GroupMembership(Bootstrap bootstrap, GroupConfig config) {
        this.bootstrap = bootstrap;
        this.config = config;
        this.thread = new Thread(this::run, "runnel-group-" + config.groupId());
        this.thread.setDaemon(true);
    }

    String memberId() {
        return memberId;
    }

    synchronized void subscribe(List<String> newTopics, String newRegex) {
        topics = List.copyOf(newTopics);
        regex = newRegex;
        boolean first = !subscribed;
        subscribed = true;
        wakeUp();
        if (first) {
            thread.start();
        }
    }

    /** The application called poll: it is alive (see {@link GroupConfig#maxPollIntervalMs}). */
    void polled() {
        lastPollNanos = System.nanoTime();
    }

    synchronized boolean subscribed() {
        return subscribed;
    }

    /** What the consumer must change to match the coordinator, given what it owns. */
    synchronized Pending pending() {
        if (fatal != null) {
            throw fatal;
        }
        if (lost) {
            return new Pending(true, Set.copyOf(owned), Set.of());
        }
        Set<TopicPartition> revoked = new HashSet<>(owned);
        revoked.removeAll(assignment);
        Set<TopicPartition> added = new HashSet<>(assignment);
        added.removeAll(owned);
        adding = new HashSet<>(added);
        return new Pending(false, revoked, added);
    }

    /** The consumer now owns exactly these; after a loss this also rejoins. Heartbeats at once. */
    synchronized void owned(Set<TopicPartition> nowOwned) {
        owned = new HashSet<>(nowOwned);
        adding = new HashSet<>();
        if (lost && owned.isEmpty()) {
            lost = false;
            epoch = 0;
            assignment = new HashSet<>();
        }
        wakeUp();
    }

    private void wakeUp() {
        wake = true;
        notifyAll();
    }

    private synchronized ConsumerGroupHeartbeatRequest nextRequest() {
        ConsumerGroupHeartbeatRequest.Builder b = ConsumerGroupHeartbeatRequest.newBuilder().setGroupId(config.groupId())
            .setMemberId(memberId).setMemberEpoch(epoch).setAssignor(config.assignor())
            .setSessionTimeoutMs(config.sessionTimeoutMs()).setClientId(config.clientId());
        // Partitions the consumer may be taking right now count as owned, so the coordinator never
        // hands them to another member before this one reports them released.
        Set<TopicPartition> reported = new HashSet<>(owned);
        reported.addAll(adding);
        b.addAllOwnedPartitions(toProto(reported));
        return regex.isEmpty() ? b.addAllSubscribedTopics(topics).build() : b.setSubscribedTopicRegex(regex).build();
    }

    private void run() {
        long backoffMs = 100;
        while (true) {
            synchronized (this) {
                if (closed) {
                    return;
                }
                if (lost) {
                    // Wait for the consumer to drop its partitions before rejoining.
                    waitQuietly(intervalMs);
                    continue;
                }
            }
            if (System.nanoTime() - lastPollNanos > TimeUnit.MILLISECONDS.toNanos(config.maxPollIntervalMs())) {
                leaveForSlowPoll();
                continue;
            }
            ConsumerGroupHeartbeatRequest request = nextRequest();
            ErrorCode error;
            try {
                ConsumerGroupHeartbeatResponse r = GroupGrpc.newBlockingStub(coordinator())
                    .withDeadlineAfter(Math.max(1000, config.sessionTimeoutMs() / 2), TimeUnit.MILLISECONDS)
                    .consumerGroupHeartbeat(request);
                error = r.getError();
                handle(request, r);
            } catch (RuntimeException e) {
                log.log(System.Logger.Level.DEBUG, "Heartbeat of group {0} failed: {1}", config.groupId(), e.toString());
                error = ErrorCode.COORDINATOR_NOT_AVAILABLE;
            }
            synchronized (this) {
                if (MOVED.contains(error)) {
                    coordinator = null;
                    waitQuietly(backoffMs);
                    backoffMs = Math.min(1000, backoffMs * 2);
                } else {
                    backoffMs = 100;
                    if (!wake) {
                        waitQuietly(intervalMs);
                    }
                }
                wake = false;
            }
        }
    }

    /**
     * The application stopped polling: leave, so the group moves its partitions on, and treat them
     * as lost; the next poll rejoins.
     */
    private void leaveForSlowPoll() {
        log.log(System.Logger.Level.WARNING, "Consumer {0} of group {1} did not poll within max.poll.interval.ms ({2} ms); "
            + "leaving the group", memberId, config.groupId(), config.maxPollIntervalMs());
        sendLeave();
        synchronized (this) {
            lost = true;
            assignment = new HashSet<>();
        }
    }

    private void sendLeave() {
        try {
            GroupGrpc.newBlockingStub(coordinator()).withDeadlineAfter(5, TimeUnit.SECONDS).consumerGroupHeartbeat(
                ConsumerGroupHeartbeatRequest.newBuilder().setGroupId(config.groupId()).setMemberId(memberId).setMemberEpoch(-1)
                    .build());
        } catch (RuntimeException e) {
            log.log(System.Logger.Level.INFO, "Leaving group {0} failed ({1}); the coordinator removes the member after its "
                + "session timeout", config.groupId(), e.toString());
        }
    }

    private synchronized void handle(ConsumerGroupHeartbeatRequest request, ConsumerGroupHeartbeatResponse r) {
        switch (r.getError()) {
            case NONE -> {
                if (request.getMemberEpoch() != epoch) {
                    return; // a rejoin started meanwhile; this answer is about the old membership
                }
                epoch = r.getMemberEpoch();
                intervalMs = Math.max(10, r.getHeartbeatIntervalMs());
                assignment = new HashSet<>(fromProto(r.getAssignmentList()));
            }
            case UNKNOWN_MEMBER_ID, FENCED_MEMBER_EPOCH -> {
                log.log(System.Logger.Level.WARNING, "Consumer {0} of group {1} was removed ({2}); its partitions are lost, "
                    + "rejoining", memberId, config.groupId(), r.getErrorMessage());
                lost = true;
                assignment = new HashSet<>();
            }
            case NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE, COORDINATOR_LOAD_IN_PROGRESS -> {
            }
            default -> fatal = new IllegalStateException("group '" + config.groupId() + "' refused the consumer: "
                + r.getError() + ": " + r.getErrorMessage());
        }
    }

    private void waitQuietly(long ms) {
        try {
            wait(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closed = true;
        }
    }

    private ManagedChannel coordinator() {
        ManagedChannel c = coordinator;
        if (c != null) {
            return c;
        }
        FindCoordinatorResponse r = GroupGrpc.newBlockingStub(bootstrap.anyChannel()).withDeadlineAfter(5, TimeUnit.SECONDS)
            .findCoordinator(FindCoordinatorRequest.newBuilder().setGroupId(config.groupId()).build());
        if (r.getError() != ErrorCode.NONE) {
            if (!MOVED.contains(r.getError())) {
                throw new IllegalArgumentException("group '" + config.groupId() + "': " + r.getError() + ": " + r.getErrorMessage());
            }
            throw new IllegalStateException("no coordinator yet: " + r.getErrorMessage());
        }
        c = bootstrap.channel(r.getCoordinator());
        coordinator = c;
        return c;
    }

    // ---------------------------------------------------------------- offsets

    /**
     * Commits offsets (the next offset to read, per partition) as this member, retrying while the
     * coordinator moves or the member's epoch catches up.
     *
     * @throws CommitFailedException if the coordinator refuses for good or time runs out
     */
    void commit(Map<TopicPartition, Long> offsets, long timeoutMs) {
        if (offsets.isEmpty()) {
            return;
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        String last = "no attempt";
        while (System.nanoTime() < deadline) {
            int currentEpoch;
            synchronized (this) {
                currentEpoch = epoch;
            }
            OffsetCommitRequest request = commitRequest(offsets, currentEpoch);
            try {
                OffsetCommitResponse r = GroupGrpc.newBlockingStub(coordinator()).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .offsetCommit(request);
                ErrorCode worst = ErrorCode.NONE;
                for (OffsetCommitTopicResponse t : r.getTopicsList()) {
                    for (OffsetCommitPartitionResponse p : t.getPartitionsList()) {
                        if (p.getError() != ErrorCode.NONE) {
                            worst = p.getError();
                            last = t.getTopic() + "-" + p.getPartition() + ": " + p.getError() + " " + p.getErrorMessage();
                        }
                    }
                }
                if (r.getError() != ErrorCode.NONE) {
                    worst = r.getError();
                    last = r.getError() + " " + r.getErrorMessage();
                }
                if (worst == ErrorCode.NONE) {
                    return;
                }
                if (worst == ErrorCode.UNKNOWN_MEMBER_ID || worst == ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
                    || worst == ErrorCode.INVALID_REQUEST || worst == ErrorCode.INVALID_GROUP_ID) {
                    break;
                }
                if (MOVED.contains(worst)) {
                    coordinator = null;
                }
            } catch (RuntimeException e) {
                coordinator = null;
                last = e.toString();
            }
            sleepQuietly(100);
        }
        throw new CommitFailedException("committing offsets of group '" + config.groupId() + "' failed: " + last);
    }

    private OffsetCommitRequest commitRequest(Map<TopicPartition, Long> offsets, int memberEpoch) {
        Map<String, OffsetCommitTopic.Builder> byTopic = new LinkedHashMap<>();
        offsets.forEach((tp, offset) -> byTopic.computeIfAbsent(tp.topic(), t -> OffsetCommitTopic.newBuilder().setTopic(t))
            .addPartitions(OffsetCommitPartition.newBuilder().setPartition(tp.partition()).setOffset(offset)));
        OffsetCommitRequest.Builder b = OffsetCommitRequest.newBuilder().setGroupId(config.groupId()).setMemberId(memberId)
            .setMemberEpoch(memberEpoch);
        byTopic.values().forEach(b::addTopics);
        return b.build();
    }

    /** Committed offsets (absent where the group has none). */
    Map<TopicPartition, Long> committed(Set<TopicPartition> partitions, long timeoutMs) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        String last = "no attempt";
        while (System.nanoTime() < deadline) {
            try {
                OffsetFetchResponse r = GroupGrpc.newBlockingStub(coordinator()).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .offsetFetch(OffsetFetchRequest.newBuilder().setGroupId(config.groupId()).addAllPartitions(toProto(partitions))
                        .build());
                if (r.getError() == ErrorCode.NONE) {
                    Map<TopicPartition, Long> out = new HashMap<>();
                    for (CommittedOffset o : r.getOffsetsList()) {
                        if (o.getOffset() >= 0) {
                            out.put(new TopicPartition(o.getTopic(), o.getPartition()), o.getOffset());
                        }
                    }
                    return out;
                }
                last = r.getError() + " " + r.getErrorMessage();
                coordinator = null;
            } catch (RuntimeException e) {
                coordinator = null;
                last = e.toString();
            }
            sleepQuietly(100);
        }
        throw new IllegalStateException("fetching committed offsets of group '" + config.groupId() + "' failed: " + last);
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms); // backoff between RPC retries, not a test wait
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Leaves the group (best effort) and stops heartbeating. */
    @Override
    public void close() {
        boolean wasSubscribed;
        synchronized (this) {
            wasSubscribed = subscribed;
            closed = true;
            notifyAll();
        }
        if (!wasSubscribed) {
            return;
        }
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sendLeave();
    }

    static List<TopicPartitions> toProto(Set<TopicPartition> tps) {
        Map<String, TopicPartitions.Builder> byTopic = new LinkedHashMap<>();
        tps.stream().sorted(java.util.Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition))
            .forEach(tp -> byTopic.computeIfAbsent(tp.topic(), t -> TopicPartitions.newBuilder().setTopic(t)).addPartitions(tp.partition()));
        List<TopicPartitions> out = new ArrayList<>();
        byTopic.values().forEach(b -> out.add(b.build()));
        return out;
    }

    static List<TopicPartition> fromProto(List<TopicPartitions> list) {
        List<TopicPartition> out = new ArrayList<>();
        list.forEach(t -> t.getPartitionsList().forEach(p -> out.add(new TopicPartition(t.getTopic(), p))));
        return out;
    }
}
