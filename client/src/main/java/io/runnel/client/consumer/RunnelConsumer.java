package io.runnel.client.consumer;

import io.grpc.ClientInterceptor;
import io.grpc.StatusRuntimeException;
import io.runnel.client.common.Bootstrap;
import io.runnel.security.TlsFiles;
import io.runnel.client.common.ClusterMetadata;
import io.runnel.client.common.RetriableErrors;
import io.runnel.client.common.TopicPartition;
import io.runnel.proto.v1.BrokerGrpc;
import io.runnel.proto.v1.BrokerInfo;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.ListOffsetsPartition;
import io.runnel.proto.v1.ListOffsetsRequest;
import io.runnel.proto.v1.ListOffsetsTopic;
import java.io.Closeable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Reads assigned partitions from their leaders (no consumer groups here). A background thread
 * long-polls each leader for the partitions it leads and queues what it gets (checking every
 * batch's CRC), so the next records are usually waiting when {@link #poll} is called. A position
 * outside the log is reset by {@code auto.offset.reset}: earliest, latest, or none (then
 * {@link OffsetOutOfRangeException}).
 *
 * <p>Not thread-safe: one thread uses a consumer, as with Kafka's. It hands the {@link Fetcher} an
 * immutable, numbered snapshot of where to fetch from each time it repositions (assign, seek,
 * reset, pause, a rebalance). Fetched chunks carry the number of the snapshot they were fetched
 * for and the offset they start at; poll drops every chunk of an older snapshot, so nothing
 * fetched before a reposition leaks out after it. (Keeping an old chunk that happened to start at
 * the position moved the position past where the re-targeted fetcher started, after which no
 * chunk continued it and the partition stalled for good: issue 12.) A chunk of the current
 * snapshot that does not continue the position re-targets the fetcher at the position, so a
 * partition can never stay stuck.
 */
public final class RunnelConsumer implements Closeable {
    /** What to do when a position is not in the log. */
    public enum OffsetReset { EARLIEST, LATEST, NONE }

    /** Backoff between list-offsets attempts. */
    private static final long RETRY_BACKOFF_MS = 100;
    /** How long positioning waits for a partition's leader to answer, as Kafka's default.api.timeout.ms. */
    private static final long LIST_OFFSETS_TIMEOUT_MS = 60_000;

    private final Bootstrap bootstrap;
    private final ClusterMetadata metadata;
    private final OffsetReset reset;
    private final Map<TopicPartition, Long> positions = new LinkedHashMap<>();
    private final Set<TopicPartition> paused = new HashSet<>();
    private final Fetcher fetcher;
    private final GroupConsumer group;
    private final ClientInterceptor[] interceptors;

    /**
     * @param fetchMaxBytes bytes one fetch may return across its partitions (Kafka's
     *                      {@code fetch.max.bytes}); each partition returns at most 1 MiB of it
     */
    public RunnelConsumer(String bootstrapServers, OffsetReset reset, int fetchMaxBytes) {
        this(bootstrapServers, reset, fetchMaxBytes, null);
    }

    /**
     * A consumer that can join a group with {@link #subscribe}; {@code group} null for one that
     * only uses {@link #assign}.
     */
    public RunnelConsumer(String bootstrapServers, OffsetReset reset, int fetchMaxBytes, GroupConfig group) {
        this(bootstrapServers, reset, fetchMaxBytes, group, new ClientInterceptor[0]);
    }

    /** @param interceptors applied to every fetch and list-offsets call (tracing, fault injection in tests) */
    public RunnelConsumer(String bootstrapServers, OffsetReset reset, int fetchMaxBytes, GroupConfig group,
                          ClientInterceptor... interceptors) {
        this(bootstrapServers, null, reset, fetchMaxBytes, group, interceptors);
    }

    /**
     * @param tls          null for plaintext, else the CA (and client certificate) to connect with
     * @param interceptors applied to every fetch and list-offsets call
     */
    public RunnelConsumer(String bootstrapServers, TlsFiles tls, OffsetReset reset, int fetchMaxBytes, GroupConfig group,
                          ClientInterceptor... interceptors) {
        if (fetchMaxBytes < 1) {
            throw new IllegalArgumentException("fetch.max.bytes must be >= 1, got " + fetchMaxBytes);
        }
        this.bootstrap = new Bootstrap(bootstrapServers, tls);
        this.metadata = new ClusterMetadata(bootstrap);
        this.reset = reset;
        this.interceptors = interceptors.clone();
        this.group = group == null ? null : new GroupConsumer(bootstrap, group);
        this.fetcher = new Fetcher(bootstrap, metadata, fetchMaxBytes, interceptors);
    }

    // ---------------------------------------------------------------- groups

    /**
     * Joins the group (or changes the subscription) with these topics; partitions arrive in
     * {@link #poll}, which calls the listener.
     *
     * @throws IllegalStateException    without a group config, or after {@link #assign}
     * @throws IllegalArgumentException for an empty list or an empty topic name
     */
    public void subscribe(Collection<String> topics, RebalanceListener listener) {
        if (topics.isEmpty() || topics.stream().anyMatch(t -> t == null || t.isEmpty())) {
            throw new IllegalArgumentException("subscribe needs one or more non-empty topic names, got " + topics);
        }
        requireGroup().subscribe(List.copyOf(new TreeSet<>(topics)), "", listener);
    }

    /**
     * Subscribes to every topic whose whole name matches, including topics created later. The
     * coordinator matches the pattern's text with RE2 syntax (linear time: no backreferences or
     * lookaround) and refuses one longer than its {@code group.subscription.regex.max.length}; the
     * refusal (INVALID_REGULAR_EXPRESSION) makes a later poll throw an IllegalStateException naming it.
     */
    public void subscribe(Pattern pattern, RebalanceListener listener) {
        requireGroup().subscribe(List.of(), pattern.pattern(), listener);
    }

    private GroupConsumer requireGroup() {
        if (group == null) {
            throw new IllegalStateException("subscribe needs a consumer created with a GroupConfig");
        }
        if (!group.subscribed() && !positions.isEmpty()) {
            throw new IllegalStateException("this consumer was given partitions with assign(); it cannot also subscribe");
        }
        return group;
    }

    /** Commits the positions of every owned partition, waiting up to 30 s. */
    public void commitSync() {
        commitSync(groupPositions.current());
    }

    /**
     * Commits these offsets (each the next offset to read) as this member, after any commit
     * already queued (commits land in the order they were made).
     *
     * @throws CommitFailedException if the coordinator refused (the partition moved, the member was
     *                               removed) or no coordinator answered within 30 s
     * @throws IllegalStateException if the consumer has not subscribed to a group
     */
    public void commitSync(Map<TopicPartition, Long> offsets) {
        requireSubscribed().commitSync(Map.copyOf(offsets), 30_000);
    }

    /** Commits the current positions in the background; a failure is logged, the next commit covers it. */
    public void commitAsync() {
        requireSubscribed().commitAsync(groupPositions.current());
    }

    /** The group's committed offsets of these partitions (absent where it has none). */
    public Map<TopicPartition, Long> committed(Set<TopicPartition> partitions) {
        if (group == null) {
            throw new IllegalStateException("committed needs a consumer created with a GroupConfig");
        }
        return group.committed(partitions);
    }

    private GroupConsumer requireSubscribed() {
        if (group == null || !group.subscribed()) {
            throw new IllegalStateException("commits need a consumer that subscribed to a group");
        }
        return group;
    }

    /** This consumer's partitions as the group steps see and change them. */
    private final GroupConsumer.Positions groupPositions = new GroupConsumer.Positions() {
        @Override
        public Map<TopicPartition, Long> current() {
            Map<TopicPartition, Long> out = new HashMap<>();
            positions.forEach((tp, offset) -> {
                if (offset >= 0) {
                    out.put(tp, offset);
                }
            });
            return out;
        }

        @Override
        public Set<TopicPartition> owned() {
            return Set.copyOf(positions.keySet());
        }

        @Override
        public void remove(Set<TopicPartition> partitions) {
            positions.keySet().removeAll(partitions);
            paused.removeAll(partitions);
            publishTargets();
        }

        @Override
        public void add(Map<TopicPartition, Long> startAt) {
            positions.putAll(startAt);
            metadata.refreshQuietly();
            publishTargets();
        }
    };

    /** Reads exactly these partitions from now on; new ones start per {@code auto.offset.reset}. */
    public void assign(Collection<TopicPartition> partitions) {
        if (group != null && group.subscribed()) {
            throw new IllegalStateException("this consumer subscribed to a group; it cannot also assign partitions");
        }
        positions.keySet().retainAll(partitions);
        paused.retainAll(partitions);
        for (TopicPartition tp : partitions) {
            positions.putIfAbsent(tp, -1L);
        }
        metadata.refresh();
        for (TopicPartition tp : partitions) {
            if (metadata.leader(tp) == null && metadata.partition(tp) == null) {
                throw new IllegalArgumentException("partition " + tp + " does not exist");
            }
        }
        publishTargets();
    }

    public Set<TopicPartition> assignment() {
        return Set.copyOf(positions.keySet());
    }

    /** @throws IllegalArgumentException for a partition not assigned or a negative offset */
    public void seek(TopicPartition tp, long offset) {
        requireAssigned(tp);
        if (offset < 0) {
            throw new IllegalArgumentException("offset must be >= 0, got " + offset);
        }
        positions.put(tp, offset);
        publishTargets();
    }

    public void seekToBeginning(Collection<TopicPartition> partitions) {
        partitions.forEach(tp -> positions.put(requireAssigned(tp), listOffset(tp, -2)));
        publishTargets();
    }

    public void seekToEnd(Collection<TopicPartition> partitions) {
        partitions.forEach(tp -> positions.put(requireAssigned(tp), listOffset(tp, -1)));
        publishTargets();
    }

    /** The offset of the next record poll will return for {@code tp}. */
    public long position(TopicPartition tp) {
        requireAssigned(tp);
        if (positions.get(tp) < 0) {
            positions.put(tp, resetPosition(tp));
            publishTargets();
        }
        return positions.get(tp);
    }

    /** The first offset at or after each timestamp, or -1 where no record is that recent. */
    public Map<TopicPartition, Long> offsetsForTimes(Map<TopicPartition, Long> timestamps) {
        Map<TopicPartition, Long> out = new HashMap<>();
        timestamps.forEach((tp, ts) -> {
            if (ts < 0) {
                throw new IllegalArgumentException("timestamp must be >= 0, got " + ts + " for " + tp);
            }
            out.put(tp, listOffset(tp, ts));
        });
        return out;
    }

    public void pause(Collection<TopicPartition> partitions) {
        partitions.forEach(tp -> paused.add(requireAssigned(tp)));
        publishTargets();
    }

    public void resume(Collection<TopicPartition> partitions) {
        paused.removeAll(partitions);
        publishTargets();
    }

    /**
     * Records from the assigned, unpaused partitions, waiting up to {@code timeout} for any.
     *
     * @throws OffsetOutOfRangeException with {@code auto.offset.reset=none} when a position is not in the log
     */
    public List<ConsumerRecord> poll(Duration timeout) {
        if (group != null && group.subscribed()) {
            group.beforePoll(groupPositions);
        }
        for (TopicPartition tp : positions.keySet()) {
            position(tp); // resolves positions still waiting for auto.offset.reset (and tells the fetcher)
        }
        long deadline = System.nanoTime() + Math.max(0, timeout.toNanos());
        List<ConsumerRecord> out = new ArrayList<>();
        while (true) {
            Fetcher.Chunk chunk;
            try {
                chunk = fetcher.poll(out.isEmpty() ? deadline - System.nanoTime() : 0);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return out;
            }
            if (chunk == null) {
                return out;
            }
            Long position = positions.get(chunk.tp());
            if (chunk.generation() != fetcher.generation() || position == null || paused.contains(chunk.tp())) {
                continue; // fetched before a seek, a pause, a rebalance or an unassign
            }
            if (chunk.fromOffset() != position) {
                publishTargets(); // cannot happen within one generation; if it does, fetch from the position again
                continue;
            }
            if (chunk.outOfRange()) {
                if (reset == OffsetReset.NONE) {
                    throw new OffsetOutOfRangeException(chunk.tp(), position);
                }
                positions.put(chunk.tp(), resetPosition(chunk.tp()));
                publishTargets();
                continue;
            }
            out.addAll(chunk.records());
            positions.put(chunk.tp(), chunk.nextOffset());
        }
    }

    // ---------------------------------------------------------------- positions

    /**
     * Tells the fetcher where to fetch from now. Called only when positions jump (assign, seek,
     * reset, pause, resume), never for consumption, so the fetcher's pipeline runs on undisturbed.
     */
    private void publishTargets() {
        Map<TopicPartition, Long> targets = new LinkedHashMap<>();
        positions.forEach((tp, offset) -> {
            if (!paused.contains(tp) && offset >= 0) {
                targets.put(tp, offset);
            }
        });
        fetcher.retarget(targets);
    }

    private long resetPosition(TopicPartition tp) {
        return switch (reset) {
            case EARLIEST -> listOffset(tp, -2);
            case LATEST -> listOffset(tp, -1);
            case NONE -> throw new OffsetOutOfRangeException(tp, positions.get(tp));
        };
    }

    /**
     * Asks the partition's leader, retrying retriable answers and call failures (a leader moving
     * or restarting) with a backoff and a metadata refresh for up to {@link #LIST_OFFSETS_TIMEOUT_MS}.
     */
    private long listOffset(TopicPartition tp, long timestamp) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(LIST_OFFSETS_TIMEOUT_MS);
        String last = "no leader known";
        while (true) {
            BrokerInfo leader = metadata.leader(tp);
            if (leader != null) {
                try {
                    var r = BrokerGrpc.newBlockingStub(bootstrap.channel(leader)).withInterceptors(interceptors)
                        .withDeadlineAfter(10, TimeUnit.SECONDS)
                        .listOffsets(ListOffsetsRequest.newBuilder().addTopics(ListOffsetsTopic.newBuilder().setTopic(tp.topic())
                            .addPartitions(ListOffsetsPartition.newBuilder().setPartition(tp.partition()).setTimestamp(timestamp))).build())
                        .getTopics(0).getPartitions(0);
                    if (r.getError() == ErrorCode.NONE) {
                        return r.getOffset();
                    }
                    if (!RetriableErrors.isRetriable(r.getError())) {
                        throw new IllegalStateException("list-offsets for " + tp + " refused: " + r.getError());
                    }
                    last = r.getError().toString();
                } catch (StatusRuntimeException e) {
                    if (!RetriableErrors.isRetriable(e)) {
                        throw e;
                    }
                    last = e.getMessage();
                }
            }
            if (System.nanoTime() >= deadline) {
                throw new IllegalStateException("no leader of " + tp + " answered a list-offsets request within "
                    + LIST_OFFSETS_TIMEOUT_MS + " ms; last: " + last);
            }
            try {
                TimeUnit.MILLISECONDS.sleep(RETRY_BACKOFF_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            metadata.refreshQuietly();
        }
    }

    private TopicPartition requireAssigned(TopicPartition tp) {
        if (!positions.containsKey(tp)) {
            throw new IllegalArgumentException("partition " + tp + " is not assigned to this consumer");
        }
        return tp;
    }

    @Override
    public void close() {
        if (group != null) {
            group.close(groupPositions);
        }
        fetcher.close();
        bootstrap.close();
    }

    /** A position outside the log with {@code auto.offset.reset=none}. */
    public static final class OffsetOutOfRangeException extends RuntimeException {
        public OffsetOutOfRangeException(TopicPartition tp, long offset) {
            super("offset " + offset + " is outside the log of " + tp);
        }
    }
}
