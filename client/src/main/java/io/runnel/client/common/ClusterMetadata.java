package io.runnel.client.common;

import io.runnel.proto.v1.BrokerGrpc;
import io.runnel.proto.v1.BrokerInfo;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.MetadataRequest;
import io.runnel.proto.v1.MetadataResponse;
import io.runnel.proto.v1.PartitionMetadata;
import io.runnel.proto.v1.TopicMetadata;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A client's view of the cluster: which topics exist, which broker leads each partition and where
 * brokers listen, as of the last metadata answer. The producer and the consumer ask it for
 * leaders and refresh it when an answer says the view is out of date (a leader moved, a topic is
 * new); {@link #refreshPaced} bounds how often a caller waiting for a change asks the cluster.
 *
 * <p>Thread-safety: safe from any thread. The view is replaced whole (a volatile reference), so a
 * reader sees one consistent answer; the pacing deadline is guarded by this object's monitor.
 * Lookups are map reads on an index built once per answer: the producer asks for its record's
 * topic on every send.
 */
public final class ClusterMetadata {
    /** One metadata answer and its indexes, built once when it arrives and never changed. */
    private record View(MetadataResponse response, Map<String, TopicMetadata> topics,
                        Map<TopicPartition, PartitionMetadata> partitions, Map<Integer, BrokerInfo> brokers) {
        static View of(MetadataResponse response) {
            Map<String, TopicMetadata> topics = new HashMap<>();
            Map<TopicPartition, PartitionMetadata> partitions = new HashMap<>();
            for (TopicMetadata t : response.getTopicsList()) {
                if (t.getError() != ErrorCode.NONE) {
                    continue;
                }
                topics.putIfAbsent(t.getName(), t);
                for (PartitionMetadata p : t.getPartitionsList()) {
                    partitions.putIfAbsent(new TopicPartition(t.getName(), p.getPartition()), p);
                }
            }
            Map<Integer, BrokerInfo> brokers = new HashMap<>();
            response.getBrokersList().forEach(b -> brokers.putIfAbsent(b.getId(), b));
            return new View(response, Collections.unmodifiableMap(topics), Collections.unmodifiableMap(partitions),
                Collections.unmodifiableMap(brokers));
        }
    }

    private final Bootstrap bootstrap;
    private volatile View current = View.of(MetadataResponse.getDefaultInstance());
    /** True until the first refresh, and after {@link #markStale} until the next one. */
    private volatile boolean stale = true;
    /** When the view was last replaced by an answer (epoch millis), 0 before the first. */
    private volatile long refreshedAtMs;
    /** Guarded by this: when {@link #refreshPaced} may ask the cluster again. */
    private long nextPacedRefreshMs;

    public ClusterMetadata(Bootstrap bootstrap) {
        this.bootstrap = bootstrap;
    }

    /**
     * Asks a bootstrap server for every topic.
     *
     * @throws Bootstrap.ClusterUnreachableException if no bootstrap server answered
     * @throws RuntimeException                      the metadata call's failure
     */
    public void refresh() {
        current = View.of(bootstrap.metadata(List.of()));
        stale = false;
        refreshedAtMs = System.currentTimeMillis();
    }

    /**
     * Refreshes from a broker other than {@code avoidId}, one that may be cut off: the other brokers
     * of the current view are asked in turn, each given {@code timeoutMs}, so a broker that does not
     * answer costs one timeout, not the whole refresh. Nothing is asked if the view is younger than
     * {@code freshEnoughMs} (callers watching several slow requests share one answer).
     *
     * @return whether the view is now at most {@code freshEnoughMs} old, or a broker answered
     */
    public boolean refreshAvoiding(int avoidId, long timeoutMs, long freshEnoughMs) {
        if (System.currentTimeMillis() - refreshedAtMs < freshEnoughMs) {
            return true;
        }
        for (BrokerInfo b : current.response().getBrokersList()) {
            if (b.getId() == avoidId) {
                continue;
            }
            try {
                current = View.of(BrokerGrpc.newBlockingStub(bootstrap.channel(b)).withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS)
                    .metadata(MetadataRequest.getDefaultInstance()));
                stale = false;
                refreshedAtMs = System.currentTimeMillis();
                return true;
            } catch (RuntimeException e) {
                // not answering either: the next one
            }
        }
        return false;
    }

    /**
     * Names the topics of {@code wanted} that the current view lacks in a Metadata request that
     * allows their creation: a cluster with {@code auto.create.topics.enable} creates them, and a
     * later refresh shows them. Quiet: nothing changes if no broker answers or creation is off.
     */
    public void requestCreation(Collection<String> wanted) {
        View view = current;
        List<String> missing = wanted.stream().distinct().filter(t -> !view.topics().containsKey(t)).toList();
        if (missing.isEmpty()) {
            return;
        }
        try {
            bootstrap.metadata(missing, true);
        } catch (RuntimeException e) {
            // the next paced refresh tries again
        }
    }

    /** {@link #refresh}, keeping the old view if no broker answered; false then. */
    public boolean refreshQuietly() {
        try {
            refresh();
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Refreshes (quietly) if {@link #markStale} was called since the last refresh. */
    public void refreshIfStale() {
        if (stale) {
            refreshQuietly();
        }
    }

    /** An answer showed the view is out of date: the next {@link #refreshIfStale} asks the cluster. */
    public void markStale() {
        stale = true;
    }

    public boolean isStale() {
        return stale;
    }

    /**
     * Refreshes (quietly) unless this method already did less than {@code intervalMs} before
     * {@code nowMs}, so a caller polling for a change asks at most once per interval.
     *
     * @return whether it asked the cluster
     */
    public synchronized boolean refreshPaced(long nowMs, long intervalMs) {
        if (nowMs < nextPacedRefreshMs) {
            return false;
        }
        nextPacedRefreshMs = nowMs + intervalMs;
        refreshQuietly();
        return true;
    }

    /** When {@link #refreshPaced} will next ask the cluster. */
    public synchronized long nextPacedRefreshMs() {
        return nextPacedRefreshMs;
    }

    /** The last answer, whole. */
    public MetadataResponse current() {
        return current.response();
    }

    /** The topic as the last answer has it, or null if that answer had no such topic (or an error for it). */
    public TopicMetadata topic(String name) {
        return current.topics().get(name);
    }

    /** The partition as the last answer has it, or null. */
    public PartitionMetadata partition(TopicPartition tp) {
        return current.partitions().get(tp);
    }

    /** The partition's leader, or null if the last answer shows none (or no such partition). */
    public BrokerInfo leader(TopicPartition tp) {
        PartitionMetadata p = partition(tp);
        return p == null || p.getLeaderId() < 0 ? null : broker(p.getLeaderId());
    }

    /** The broker with this id in the last answer, or null. */
    public BrokerInfo broker(int id) {
        return current.brokers().get(id);
    }

    /** The topic as {@code md} has it, or null (no such topic, or an error for it). */
    public static TopicMetadata topic(MetadataResponse md, String topic) {
        return md.getTopicsList().stream().filter(t -> t.getName().equals(topic) && t.getError() == ErrorCode.NONE)
            .findFirst().orElse(null);
    }
}
